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
  // Live checks (bpmn-js-bpmnlint's button and overlays; lint.js): its own words, then the
  // messages of bpmnlint's rules and of this system's (modeling/bpmnlint-plugin-city/).
  'Toggle linting overlays': 'نمایش/پنهان کردن بررسی زنده',
  '{errors} Errors, {warnings} Warnings': '{errors} خطا، {warnings} هشدار',
  'No Issues': 'بی‌مشکل', 'Issues for child elements': 'مشکلات عنصرهای درونی',
  'Element is missing label/name': 'عنصر نام ندارد', 'Element is missing name': 'عنصر نام ندارد',
  'Element is not connected': 'عنصر به جایی وصل نیست',
  'Element is an implicit start': 'عنصر بی‌رویداد آغاز شروع می‌شود (جریان ورودی ندارد)',
  'Element is an implicit end': 'عنصر بی‌رویداد پایان تمام می‌شود (جریان خروجی ندارد)',
  'Flow splits implicitly': 'جریان بی‌دروازه چندشاخه می‌شود؛ یک دروازه بگذارید',
  'Incoming flows do not join': 'جریان‌های ورودی بی‌دروازه به هم می‌پیوندند',
  'Gateway forks and joins': 'دروازه هم می‌پیوندد و هم شاخه می‌شود',
  'Gateway is superfluous. It only has one source and target.': 'دروازه زائد است: یک ورودی و یک خروجی دارد.',
  'Sequence flow is missing condition': 'جریان شرط ندارد',
  'SequenceFlow is a duplicate': 'جریان تکراری است',
  'Duplicate outgoing sequence flows': 'جریان‌های خروجی تکراری',
  'Duplicate incoming sequence flows': 'جریان‌های ورودی تکراری',
  'Element is missing bpmndi': 'عنصر روی نمودار رسم نشده است (bpmndi)',
  'Event has multiple event definitions': 'رویداد چند تعریف دارد',
  'Start event must be blank': 'رویداد آغاز باید ساده باشد',
  'Start event is missing event definition': 'رویداد آغاز تعریف رویداد ندارد',
  'Process is missing start event': 'فرایند رویداد آغاز ندارد',
  'Process is missing end event': 'فرایند رویداد پایان ندارد',
  'Sub process is missing start event': 'زیرفرایند رویداد آغاز ندارد',
  'Sub process is missing end event': 'زیرفرایند رویداد پایان ندارد',
  'Process has multiple blank start events': 'فرایند چند رویداد آغاز ساده دارد',
  'Link event is missing link name': 'رویداد پیوند نام پیوند ندارد',
  'Lane has no name; name it after a role': 'مسیر نام ندارد؛ آن را به نام یک نقش بنامید',
  'Lane names no role': 'نام مسیر نقشی را نام نمی‌برد',
  'Task is in no lane, so no role can work on it': 'کار در هیچ مسیری نیست، پس هیچ نقشی نمی‌تواند انجامش دهد',
  'User task names no form; choose its form': 'کار کاربری فرمی ندارد؛ فرم آن را برگزینید',
  'User task names a form that does not exist': 'کار کاربری فرمی را نام می‌برد که وجود ندارد',
  'Timer has no time expression': 'زمان‌سنج زمانی ندارد',
  'Timer time is not in quotes: write "P10D", with the quotes': 'زمان زمان‌سنج در گیومه نیست: با گیومه بنویسید، مانند "P10D"',
};

export default function TranslateModule(lang) {
  const table = lang === 'fa' ? FA : {};
  // Counts (the live checks' "{errors} Errors") in Persian digits on a Persian page.
  const number = (value) => (lang === 'fa' && /^\d+$/.test(String(value))
    ? String(value).replace(/\d/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[d]) : value);
  const translate = (template, replacements = {}) => (table[template] || template)
    .replace(/{([^}]+)}/g, (_, key) => (key in replacements ? number(replacements[key]) : `{${key}}`));
  return { translate: ['value', translate] };
}
