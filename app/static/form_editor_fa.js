// The form-js editor's interface in Persian (app/templates/forms/edit.html, a Persian page only).
// form-js 1.x has no translation service for its editor (its palette, canvas and properties
// panel print fixed English), so the words it shows are replaced as they appear: a
// MutationObserver on the editor swaps known texts and the placeholder, title and aria-label
// attributes. The form's own content (field labels on the canvas, values typed in the panel)
// is never touched. English pages do not load this file.
(function () {
  "use strict";

  var FA = {
    // Palette and canvas
    "Components": "اجزا", "Search components": "جست‌وجوی اجزا", "No components found.": "جزئی پیدا نشد.",
    "Input": "ورودی", "Selection": "انتخاب", "Presentation": "نمایش", "Containers": "نگه‌دارنده‌ها",
    "Action": "اقدام", "Build your form": "فرم خود را بسازید",
    "Drag and drop components here to start designing.": "برای آغاز طراحی، اجزا را به اینجا بکشید.",
    "Drag and drop components here.": "اجزا را به اینجا بکشید.",
    "Use the preview window to test your form.": "برای آزمودن فرم از پنجره پیش‌نمایش استفاده کنید.",
    "Clear content": "پاک کردن محتوا", "Remove": "حذف", "Delete": "حذف",
    // Field types
    "Text field": "فیلد متن", "Text area": "متن چندخطی", "Number": "عدد", "Date time": "تاریخ و ساعت",
    "Date": "تاریخ", "Time": "ساعت", "Checkbox": "چک‌باکس", "Checkbox group": "گروه چک‌باکس",
    "Radio group": "گروه رادیویی", "Radio": "رادیویی", "Select": "فهرست کشویی", "Tag list": "فهرست برچسب",
    "Text view": "نمایش متن", "Image view": "نمایش تصویر", "Button": "دکمه", "Group": "گروه",
    "Dynamic list": "فهرست پویا", "Table": "جدول", "Spacer": "فاصله", "Separator": "جداکننده",
    "iFrame": "قاب (iFrame)", "HTML view": "نمایش HTML", "Expression": "عبارت",
    "File picker": "انتخاب فایل", "Document preview": "پیش‌نمایش سند", "Form": "فرم",
    // Properties panel: groups
    "General": "عمومی", "Condition": "شرط", "Layout": "چیدمان", "Appearance": "ظاهر",
    "Validation": "اعتبارسنجی", "Constraints": "محدودیت‌ها", "Serialization": "ذخیره داده",
    "Options source": "منبع گزینه‌ها", "Static options": "گزینه‌های ثابت",
    "Dynamic options": "گزینه‌های پویا", "Custom properties": "ویژگی‌های سفارشی",
    "Data source": "منبع داده", "Security attributes": "ویژگی‌های امنیتی",
    "Headers source": "منبع سرستون‌ها", "Header items": "سرستون‌ها", "Content": "محتوا",
    // Properties panel: fields
    "Field label": "برچسب فیلد", "Field description": "توضیح فیلد", "Label": "برچسب", "Key": "کلید",
    "ID": "شناسه", "Type": "نوع", "Value": "مقدار", "Name": "نام", "Text": "متن", "Path": "مسیر",
    "Default value": "مقدار پیش‌فرض", "Required": "الزامی", "Read only": "فقط خواندنی",
    "Disabled": "غیرفعال", "Minimum length": "کمترین طول", "Maximum length": "بیشترین طول",
    "Minimum": "کمینه", "Maximum": "بیشینه", "Validation pattern": "الگوی اعتبارسنجی",
    "Custom regular expression": "عبارت باقاعده سفارشی", "Custom error message": "پیام خطای سفارشی",
    "Custom": "سفارشی", "Email": "رایانامه", "Phone": "تلفن", "Prefix": "پیشوند", "Suffix": "پسوند",
    "Decimal digits": "رقم‌های اعشار", "Increment": "گام افزایش", "Output as string": "خروجی به‌صورت متن",
    "Searchable": "قابل جست‌وجو", "Subtype": "زیرنوع", "Date label": "برچسب تاریخ",
    "Time label": "برچسب ساعت", "Time format": "قالب ساعت", "Time interval": "فاصله زمانی",
    "Use 24h": "ساعت ۲۴ساعته", "Disallow past dates": "تاریخ گذشته پذیرفته نشود",
    "Columns": "ستون‌ها", "Column": "ستون", "Auto": "خودکار", "Height": "ارتفاع",
    "Alternative text": "متن جایگزین", "Image source": "منبع تصویر", "URL": "نشانی",
    "Submit": "ارسال", "Reset": "بازنشانی", "Checked": "علامت‌خورده",
    "Not checked": "بی‌علامت", "Show outline": "نمایش کادر", "Vertical alignment": "تراز عمودی",
    "Top": "بالا", "Center": "وسط", "Bottom": "پایین", "Compute on": "محاسبه هنگام",
    "Value changes": "تغییر مقدار", "Form submission": "ارسال فرم", "Target value": "مقدار هدف",
    "Options expression": "عبارت گزینه‌ها", "Input values key": "کلید مقادیر ورودی",
    "List of items": "فهرست موارد", "Default number of items": "تعداد پیش‌فرض موارد",
    "Allow add/delete items": "افزودن/حذف موارد مجاز", "Disable collapse": "بدون جمع شدن",
    "Number of non-collapsing items": "تعداد موارد جمع‌نشدنی", "Pagination": "صفحه‌بندی",
    "Number of rows per page": "تعداد ردیف در هر صفحه", "Version tag": "برچسب نسخه",
    "Upload multiple files": "بارگذاری چند فایل", "Supported file formats": "قالب‌های پذیرفته",
    "Document reference": "ارجاع سند", "Max height of preview container": "بیشترین ارتفاع پیش‌نمایش",
    "Hide if": "پنهان اگر", "Deactivate if": "غیرفعال اگر",
    "Toggle section": "باز/بسته کردن بخش", "Section contains an error": "این بخش خطا دارد",
    "Section contains edits": "این بخش ویرایش شده است", "Create new list item": "افزودن مورد",
    "Create": "افزودن", "Delete item": "حذف مورد", "Toggle list item": "باز/بسته کردن مورد",
    "<empty>": "<خالی>", "Open documentation": "باز کردن راهنما", "Learn more": "بیشتر بدانید",
    "Binds to a form variable": "به یک متغیر فرم وصل می‌شود",
    "Open pop-up editor": "باز کردن ویرایشگر جداگانه", "Opened in editor": "در ویرایشگر باز است",
    "No properties panel.": "پنل ویژگی‌ها نیست.", "Select a form field to edit its properties.": "فیلدی از فرم را برای ویرایش ویژگی‌هایش برگزینید."
  };
  var ATTRIBUTES = ["placeholder", "title", "aria-label"];

  // The form's own words: field labels and texts drawn on the canvas, what is typed in fields.
  function isContent(node) {
    var element = node.nodeType === 1 ? node : node.parentElement;
    return !element || !!element.closest(".fjs-form-field, input, textarea, select, [contenteditable], .cm-editor");
  }

  function translateText(node) {
    var text = node.data.trim();
    if (text && Object.prototype.hasOwnProperty.call(FA, text) && !isContent(node)) {
      node.data = node.data.replace(text, FA[text]);
    }
  }

  function translateAttributes(element) {
    ATTRIBUTES.forEach(function (name) {
      var value = element.getAttribute(name);
      if (value && Object.prototype.hasOwnProperty.call(FA, value.trim())) {
        element.setAttribute(name, FA[value.trim()]);
      }
    });
  }

  function translateTree(root) {
    if (root.nodeType === 3) { translateText(root); return; }
    if (root.nodeType !== 1) { return; }
    translateAttributes(root);
    var walker = document.createTreeWalker(root, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    for (var node = walker.nextNode(); node; node = walker.nextNode()) {
      if (node.nodeType === 3) { translateText(node); } else { translateAttributes(node); }
    }
  }

  function start(container) {
    translateTree(container);
    new MutationObserver(function (mutations) {
      mutations.forEach(function (m) {
        if (m.type === "childList") { m.addedNodes.forEach(translateTree); }
        else if (m.type === "characterData") { translateText(m.target); }
        else if (m.type === "attributes") { translateAttributes(m.target); }
      });
    }).observe(container, { childList: true, subtree: true, characterData: true,
                            attributes: true, attributeFilter: ATTRIBUTES });
    container.dataset.translated = "fa";
  }

  var container = document.getElementById("form-editor");
  if (container && (document.documentElement.lang || "").indexOf("fa") === 0) { start(container); }
  window.FormEditorPersian = { words: FA, translate: translateTree };
})();
