"""The record list as a table for clerks: CSV (UTF-8 with BOM) and XLSX (right to left in Persian).

Filtered to one record code, each form field gets its own column (headed by its label);
a mix of codes puts the values in one column as JSON text {label: value}.
"""
import csv
import io
import json
from datetime import date, datetime

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font

from records.quality import RECORDS_BY_CODE, record_data
from workcal import jalali

from ..i18n import is_rtl, local_zone
from .fields import describe_record, load_record_form
from .listing import RecordFilters, RecordRow, iter_records

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _created_texts(created: datetime) -> tuple[str, str]:
    # Latin digits: spreadsheets sort and filter them; local time is what the clerk lived.
    tz = local_zone()
    return (jalali.format_solar_datetime(created, tz),
            jalali.local_time(created, tz).isoformat(timespec="seconds"))


def _day_texts(day: date | None) -> tuple[str, str]:
    if day is None:
        return "", ""
    return jalali.format_solar_date(day), day.isoformat()


def _fixed_header() -> list[str]:
    return [_("ID"), _("Code"), _("Title"), _("District"), _("Process"), _("Instance"),
            _("Created (Solar Hijri)"), _("Created (ISO)"), _("Created by"),
            _("Keep until (Solar Hijri)"), _("Keep until (ISO)")]


def _fixed_cells(row: RecordRow) -> list:
    record, record_type, district = row.record, row.record_type, row.district
    title = (record_type.title_fa if is_rtl() else record_type.title_en) if record_type else ""
    district_name = (district.name_fa if is_rtl() else district.name_en) if district else ""
    return [record.id, row.code, title, district_name, row.process_key or "", record.instance_id,
            *_created_texts(record.created_at), row.created_by.display_name if row.created_by else "",
            *_day_texts(record.retention_until)]


def _labelled_json(fields) -> str:
    values = {}
    for field in fields:
        if field.text:
            label = field.label if field.label not in values else f"{field.label} ({field.key})"
            values[label] = field.text
    return json.dumps(values, ensure_ascii=False) if values else ""


def build_table(session, user, filters: RecordFilters) -> list[list]:
    """Header and one line per record the user may see that matches the filters."""
    rows = list(iter_records(session, user, filters))
    header = _fixed_header()
    if filters.code:
        schema = load_record_form(RECORDS_BY_CODE[filters.code].form_key, session)
        labels = [field.label for field in describe_record(schema, {}, localize=False)]
        lines = []
        for row in rows:
            fields = describe_record(schema, record_data(session, row.record), localize=False,
                                     with_unknown=True)
            lines.append(_fixed_cells(row) + [f.text for f in fields[:len(labels)]]
                         + [_labelled_json(fields[len(labels):])])
        # Values the form no longer asks for are rare; their column only appears when needed.
        if any(line[-1] for line in lines):
            return [header + labels + [_("Other values")]] + lines
        return [header + labels] + [line[:-1] for line in lines]
    # Records of several forms: one column per field label, in the order first met.
    schemas, labels, lines = {}, {}, []
    for row in rows:
        form_key = row.record_type.form_key if row.record_type else None
        if form_key not in schemas:
            schemas[form_key] = load_record_form(form_key, session)
        values = {}
        for field in describe_record(schemas[form_key], record_data(session, row.record), localize=False,
                                     with_unknown=True):
            if field.text:
                labels.setdefault(field.label, len(labels))
                values[field.label] = field.text
        lines.append((_fixed_cells(row), values))
    order = sorted(labels, key=labels.get)
    return [header + order] + [cells + [values.get(label, "") for label in order]
                               for cells, values in lines]


def _safe_text(value):
    # A cell starting with = + - @ would run as a formula in Excel (CSV injection).
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return "" if value is None else value


def export_csv(session, user, filters: RecordFilters) -> bytes:
    """The table as CSV, UTF-8 with a BOM so that Excel shows Persian."""
    return table_csv(build_table(session, user, filters))


def export_xlsx(session, user, filters: RecordFilters) -> bytes:
    """The table as an XLSX workbook, header bold and frozen, right to left in Persian."""
    return table_xlsx(build_table(session, user, filters), _("Quality records"))


def table_csv(lines) -> bytes:
    """Any table (header first) as CSV, UTF-8 with a BOM, formula-like text made inert."""
    out = io.StringIO()
    writer = csv.writer(out)
    for line in lines:
        writer.writerow([_safe_text(value) for value in line])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def table_xlsx(lines, title: str) -> bytes:
    """Any table (header first) as an XLSX sheet, header bold and frozen, right to left in Persian."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title[:31]
    sheet.sheet_view.rightToLeft = is_rtl()
    widths: dict[int, int] = {}
    for row_number, line in enumerate(lines, start=1):
        for column, value in enumerate(line, start=1):
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            cell = sheet.cell(row=row_number, column=column, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # text stays text: "=…" typed by a citizen is no formula
                if "\n" in value:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
            if row_number == 1:
                cell.font = Font(bold=True)
            longest = max((len(part) for part in str(value or "").split("\n")), default=0)
            widths[column] = max(widths.get(column, 0), longest)
    for column, width in widths.items():
        sheet.column_dimensions[sheet.cell(row=1, column=column).column_letter].width = min(60, width + 2)
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
