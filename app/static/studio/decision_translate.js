// Persian for the decision-table editor's own words (dmn-js 17: the table's head, hit
// policies, context menus, cell editors), through its `translate` service (decisions.js gives
// the override to every dmn-js view). These strings come from dmn-js, not from this
// application, so they live here rather than in messages.po; any word not listed stays English. Placeholders ({expressionLanguageLabel}) are filled in as dmn-js's default does.
const FA = {
  // Head of the table, hit policy
  'Hit policy:': 'سیاست انطباق:', 'Hit policy': 'سیاست انطباق',
  'Unique': 'یکتا (UNIQUE)', 'First': 'نخستین (FIRST)', 'Priority': 'اولویت (PRIORITY)',
  'Any': 'هر کدام (ANY)', 'Collect': 'گردآوری (COLLECT)', 'Collect (Sum)': 'گردآوری (جمع)',
  'Collect (Min)': 'گردآوری (کمینه)', 'Collect (Max)': 'گردآوری (بیشینه)',
  'Collect (Count)': 'گردآوری (شمار)', 'Rule order': 'به ترتیب قاعده‌ها',
  'Output order': 'به ترتیب خروجی',
  'No overlap is possible and all rules are disjoint. Only a single rule can be matched':
    'قاعده‌ها هم‌پوشانی ندارند؛ تنها یک قاعده می‌تواند برقرار باشد',
  'Rules may overlap. The first matching rule will be chosen':
    'قاعده‌ها ممکن است هم‌پوشانی داشته باشند؛ نخستین قاعدهٔ برقرار برگزیده می‌شود',
  'Rules may overlap. The one with the highest priority will be chosen':
    'قاعده‌ها ممکن است هم‌پوشانی داشته باشند؛ قاعدهٔ با بالاترین اولویت برگزیده می‌شود',
  'Rules may overlap. Their output have to match':
    'قاعده‌ها ممکن است هم‌پوشانی داشته باشند؛ خروجی آن‌ها باید یکسان باشد',
  'Collects the values of all matching rules': 'مقدار همهٔ قاعده‌های برقرار گردآوری می‌شود',
  'Collects the values of all matching rules and sums up to a single value':
    'مقدار همهٔ قاعده‌های برقرار جمع زده می‌شود',
  'Collects the values of all matching rules and uses the lowest value':
    'کمترین مقدار قاعده‌های برقرار برگزیده می‌شود',
  'Collects the values of all matching rules and uses the highest value':
    'بیشترین مقدار قاعده‌های برقرار برگزیده می‌شود',
  'Collects the values of all matching rules and counts the number of them':
    'شمار قاعده‌های برقرار',
  'Collects the values of all matching rules in rule order':
    'مقدار قاعده‌های برقرار به ترتیب قاعده‌ها',
  'Collects the values of all matching rules in decreasing output priority order':
    'مقدار قاعده‌های برقرار به ترتیب نزولی اولویت خروجی',
  'Decision name': 'نام تصمیم', 'Decision name: ': 'نام تصمیم: ', 'View DRD': 'نمایش نمودار تصمیم‌ها',
  'When': 'وقتی', 'And': 'و', 'Then': 'آنگاه', 'Annotations': 'یادداشت‌ها', 'Annotation': 'یادداشت',
  'Input': 'ورودی', 'Output': 'خروجی', 'Input label': 'برچسب ورودی', 'Input label: ': 'برچسب ورودی: ',
  'Input expression': 'عبارت ورودی', 'Input expression: ': 'عبارت ورودی: ',
  'Output label': 'برچسب خروجی', 'Output label: ': 'برچسب خروجی: ',
  'Output name': 'نام خروجی', 'Output name: ': 'نام خروجی: ',
  'Input type': 'نوع ورودی', 'Output type': 'نوع خروجی', 'Type': 'نوع',
  'Input values': 'مقدارهای ورودی', 'Output values': 'مقدارهای خروجی',
  'Expression': 'عبارت', 'Expression language': 'زبان عبارت',
  'Expression language: {expressionLanguageLabel}': 'زبان عبارت: {expressionLanguageLabel}',
  'Change cell expression language': 'تغییر زبان عبارت خانه',
  'Editing not supported for set expression language': 'ویرایش برای این زبان عبارت پشتیبانی نمی‌شود',
  'Enter expression': 'عبارت را بنویسید',
  // Adding, removing, moving rules and columns (context menu, buttons)
  'Add rule': 'افزودن قاعده', 'Add rule above': 'افزودن قاعده در بالا',
  'Add rule below': 'افزودن قاعده در پایین', 'Remove rule': 'حذف قاعده', 'Copy rule': 'رونوشت قاعده',
  'Cut rule': 'برش قاعده', 'Paste rule above': 'چسباندن قاعده در بالا',
  'Paste rule below': 'چسباندن قاعده در پایین', 'Move rule': 'جابه‌جایی قاعده',
  'Add input': 'افزودن ورودی', 'Add output': 'افزودن خروجی',
  'Add input column left': 'افزودن ستون ورودی در چپ', 'Add input column right': 'افزودن ستون ورودی در راست',
  'Add output column left': 'افزودن ستون خروجی در چپ', 'Add output column right': 'افزودن ستون خروجی در راست',
  'Remove input column': 'حذف ستون ورودی', 'Remove output column': 'حذف ستون خروجی',
  'Copy input column': 'رونوشت ستون ورودی', 'Copy output column': 'رونوشت ستون خروجی',
  'Cut input column': 'برش ستون ورودی', 'Cut output column': 'برش ستون خروجی',
  'Paste input column left': 'چسباندن ستون ورودی در چپ', 'Paste input column right': 'چسباندن ستون ورودی در راست',
  'Paste output column left': 'چسباندن ستون خروجی در چپ', 'Paste output column right': 'چسباندن ستون خروجی در راست',
  'Add cell description': 'افزودن توضیح خانه', 'Remove cell description': 'حذف توضیح خانه',
  'Resize': 'تغییر اندازه', 'Edit': 'ویرایش',
  // Cell editors (values, comparisons, ranges, dates)
  'Predefined values': 'مقدارهای از پیش تعیین‌شده', 'Add predefined values': 'افزودن مقدارهای از پیش تعیین‌شده',
  'Clear predefined values': 'پاک کردن مقدارهای از پیش تعیین‌شده', 'Custom values': 'مقدارهای دلخواه',
  'Add values': 'افزودن مقدار', 'No values': 'بی‌مقدار', 'Values': 'مقدارها', 'Value': 'مقدار',
  'Match one': 'برابر یکی', 'Match none': 'برابر هیچ‌کدام', 'Include': 'شامل', 'Exclude': 'به‌جز',
  'Strings must be in double quotes': 'متن‌ها باید میان گیومهٔ دوتایی (") باشند',
  'Comparison': 'مقایسه', 'Comparison operator': 'عملگر مقایسه', 'Range': 'بازه',
  'Equals': 'برابر', 'Less': 'کمتر', 'Less or equals': 'کمتر یا برابر', 'Greater': 'بیشتر',
  'Greater or equals': 'بیشتر یا برابر', 'Exactly': 'دقیقاً', 'Before': 'پیش از', 'After': 'پس از',
  'Between': 'میان', 'Test type': 'نوع آزمون',
  'Range start operator': 'عملگر آغاز بازه', 'Range start value': 'مقدار آغاز بازه',
  'Range end operator': 'عملگر پایان بازه', 'Range end value': 'مقدار پایان بازه',
  'Start value': 'مقدار آغاز', 'End value': 'مقدار پایان',
  'Edit string': 'ویرایش متن', 'Edit number': 'ویرایش عدد', 'Edit boolean': 'ویرایش درست/نادرست',
  'Edit input': 'ویرایش ورودی', 'Edit output': 'ویرایش خروجی',
  'String value': 'مقدار متنی', 'Boolean value': 'مقدار درست/نادرست', 'Yes': 'بله', 'No': 'خیر',
  'Set value': 'تعیین مقدار', 'Date': 'تاریخ', 'Time': 'زمان', 'Date and time': 'تاریخ و زمان',
  'Date value': 'مقدار تاریخ', 'Time value': 'مقدار زمان', 'Date and time value': 'مقدار تاریخ و زمان',
  'Duration value': 'مقدار مدت', 'Set date': 'تعیین تاریخ', 'Set time': 'تعیین زمان',
  'Set date and time': 'تعیین تاریخ و زمان', 'Set duration': 'تعیین مدت',
  'Edit date': 'ویرایش تاریخ', 'Edit time': 'ویرایش زمان', 'Edit date and time': 'ویرایش تاریخ و زمان',
  'Edit duration': 'ویرایش مدت', 'Edit start date': 'ویرایش تاریخ آغاز', 'Edit end date': 'ویرایش تاریخ پایان',
  'Edit start time': 'ویرایش زمان آغاز', 'Edit end time': 'ویرایش زمان پایان',
  'Edit start date and time': 'ویرایش تاریخ و زمان آغاز', 'Edit end date and time': 'ویرایش تاریخ و زمان پایان',
  'Start date': 'تاریخ آغاز', 'End date': 'تاریخ پایان', 'Start time': 'زمان آغاز', 'End time': 'زمان پایان',
  'Start date and time': 'تاریخ و زمان آغاز', 'End date and time': 'تاریخ و زمان پایان',
  'Use now': 'اکنون', 'Use today': 'امروز',
};

function fill(template, replacements) {
  return template.replace(/{([^}]+)}/g, (whole, key) => (replacements && key in replacements ? replacements[key] : whole));
}

/** The dmn-js module giving `translate` in the page's language ("fa" or "en"). */
export default function TranslateModule(lang) {
  const words = lang === 'fa' ? FA : {};
  return { translate: ['value', (template, replacements) => fill(words[template] || template, replacements)] };
}

export { FA };
