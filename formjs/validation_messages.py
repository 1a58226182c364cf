"""The texts of the server's form validation, in Persian and English (numbers in Persian digits
on Persian pages)."""
from __future__ import annotations

from workcal.jalali import to_persian_digits

_MESSAGES = {
    "fa": {
        "required": "این فیلد الزامی است.",
        "min_length": "دست‌کم {n} نویسه لازم است.",
        "max_length": "حداکثر {n} نویسه مجاز است.",
        "min": "مقدار باید دست‌کم {n} باشد.",
        "max": "مقدار باید حداکثر {n} باشد.",
        "pattern": "قالب مقدار واردشده درست نیست.",
        "number": "عدد معتبر وارد کنید.",
        "integer": "عدد صحیح وارد کنید.",
        "decimals": "حداکثر {n} رقم اعشار مجاز است.",
        "choice": "مقدار انتخاب‌شده مجاز نیست.",
        "date": "تاریخ معتبر به شکل ۱۴۰۵/۰۹/۰۴ وارد کنید.",
        "time": "ساعت معتبر به شکل HH:MM وارد کنید.",
        "datetime": "تاریخ و ساعت معتبر وارد کنید.",
        "email": "نشانی ایمیل معتبر وارد کنید.",
        "phone": "شماره تلفن معتبر وارد کنید.",
        "invalid": "مقدار واردشده معتبر نیست.",
        "list": "فهرست واردشده معتبر نیست.",
        "rows": "حداکثر {n} ردیف مجاز است.",
        "min_rows": "دست‌کم {n} ردیف لازم است.",
        "not_before": "این تاریخ نباید پیش از «{label}» باشد.",
        "past": "این تاریخ نباید در گذشته باشد.",
        "future": "این تاریخ نباید در آینده باشد.",
        "days_ago": "این تاریخ نباید بیش از {n} روز پیش از امروز باشد.",
        "required_when": "با پاسخی که داده‌اید، پر کردن این فیلد الزامی است.",
        "national_id": "کد ملی معتبر نیست: ۱۰ رقم با رقم کنترل درست وارد کنید.",
        "options": "دست‌کم دو و حداکثر {n} گزینه، هر گزینه در یک سطر، بنویسید.",
        "one_file": "این فیلد فقط یک پرونده می‌پذیرد.",
    },
    "en": {
        "required": "This field is required.",
        "min_length": "Enter at least {n} characters.",
        "max_length": "Enter at most {n} characters.",
        "min": "The value must be at least {n}.",
        "max": "The value must be at most {n}.",
        "pattern": "The value does not have the required format.",
        "number": "Enter a valid number.",
        "integer": "Enter a whole number.",
        "decimals": "Use at most {n} decimal places.",
        "choice": "The selected value is not allowed.",
        "date": "Enter a valid date as YYYY-MM-DD (or Solar Hijri 1405/09/04).",
        "time": "Enter a valid time as HH:MM.",
        "datetime": "Enter a valid date and time.",
        "email": "Enter a valid email address.",
        "phone": "Enter a valid phone number.",
        "invalid": "The value is not valid.",
        "list": "The list is not valid.",
        "rows": "At most {n} rows are allowed.",
        "min_rows": "At least {n} rows are required.",
        "not_before": "This date must not be before “{label}”.",
        "past": "This date must not be in the past.",
        "future": "This date must not be in the future.",
        "days_ago": "This date must not be more than {n} days before today.",
        "required_when": "With the answers given, this field is required.",
        "national_id": "Not a valid national ID: enter 10 digits with a correct check digit.",
        "options": "Write two to {n} options, one per line.",
        "one_file": "This field takes one file only.",
    },
}


def _fmt_number(n: int | float) -> str:
    if isinstance(n, float) and n.is_integer():
        n = int(n)
    return str(n)


class Messages:
    """Error texts of one locale; Persian texts show numbers in Persian digits."""

    def __init__(self, locale: str):
        self.persian = not (locale or "fa").lower().startswith("en")
        self.texts = _MESSAGES["fa" if self.persian else "en"]

    def __call__(self, code: str, n: int | float | None = None, **words) -> str:
        if words:
            return self.texts[code].format(**words)
        if n is None:
            return self.texts[code]
        shown = _fmt_number(n)
        return self.texts[code].format(n=to_persian_digits(shown, decimal_sign=True) if self.persian else shown)
