// Persian for the modeler's own words (palette, context pad, the BPMN provider's groups and
// fields), through diagram-js's `translate` service. These strings come from bpmn-js, not from
// this application, so they live here rather than in messages.po; any string not listed stays
// English. Placeholders ({element}) are filled in as diagram-js's default translate does.
const FA = {
  // Palette and context pad
  'Activate hand tool': 'ابزار جابه‌جایی', 'Activate lasso tool': 'ابزار انتخاب',
  'Activate create/remove space tool': 'ابزار ایجاد/حذف فاصله',
  'Activate global connect tool': 'ابزار اتصال', 'Create start event': 'رویداد آغاز',
  'Create intermediate/boundary event': 'رویداد میانی/مرزی', 'Create end event': 'رویداد پایان',
  'Create gateway': 'دروازه', 'Create task': 'کار', 'Create data object reference': 'شیء داده',
  'Create data store reference': 'انباره داده', 'Create expanded sub-process': 'زیرفرآیند',
  'Create pool/participant': 'استخر/مشارکت‌کننده', 'Create group': 'گروه',
  'Append end event': 'افزودن رویداد پایان', 'Append gateway': 'افزودن دروازه',
  'Append task': 'افزودن کار', 'Append intermediate/boundary event': 'افزودن رویداد میانی',
  'Append text annotation': 'افزودن یادداشت', 'Add text annotation': 'افزودن یادداشت',
  'Change element': 'تغییر نوع', 'Delete': 'حذف', 'Remove': 'حذف',
  'Connect to other element': 'اتصال به عنصر دیگر',
  'Connect using sequence/message flow or association': 'اتصال با جریان یا ارتباط',
  'Add lane above': 'افزودن مسیر بالا', 'Add lane below': 'افزودن مسیر پایین',
  'Divide into two lanes': 'تقسیم به دو مسیر', 'Divide into three lanes': 'تقسیم به سه مسیر',
  // Properties panel (BPMN provider)
  'General': 'عمومی', 'Name': 'نام', 'ID': 'شناسه', 'Documentation': 'مستندات',
  'Element documentation': 'توضیح عنصر', 'Process documentation': 'توضیح فرآیند',
  'Process name': 'نام فرآیند', 'Process ID': 'شناسه فرآیند', 'Executable': 'اجرایی',
  'Timer': 'زمان‌سنج', 'Type': 'نوع', 'Value': 'مقدار', '<none>': '<هیچ>',
  'Date': 'تاریخ (timeDate)', 'Duration': 'مدت (timeDuration)', 'Cycle': 'چرخه (timeCycle)',
  'Multi-instance': 'چندنمونه‌ای', 'Loop cardinality': 'تعداد تکرار',
  'Completion condition': 'شرط پایان', 'Message': 'پیام', 'Signal': 'سیگنال', 'Error': 'خطا',
  'Escalation': 'ارجاع', 'Compensation': 'جبران', 'Link': 'پیوند',
  'ID must not be empty.': 'شناسه نباید خالی باشد.', 'ID must be unique.': 'شناسه باید یکتا باشد.',
  'ID must not contain spaces.': 'شناسه نباید فاصله داشته باشد.',
};

export default function TranslateModule(lang) {
  const table = lang === 'fa' ? FA : {};
  const translate = (template, replacements = {}) => (table[template] || template)
    .replace(/{([^}]+)}/g, (_, key) => (key in replacements ? replacements[key] : `{${key}}`));
  return { translate: ['value', translate] };
}
