"""Units: a tree per district (district -> deputy's office -> department) and one for the city,
each with a head and the 137 categories it answers; created one by one or imported from CSV.

Routing asks `units_answering(session, category, district_id)`: one indexed query
(unit_categories by category and unit, units by id). The 137 categories a unit may answer are
given by the caller (`known_categories`: the `category` choices of the message_intake form,
which the app reads through formjs); None accepts any code-like category.
"""
import csv
import io
import re
from dataclasses import dataclass, field

from sqlalchemy import and_, or_, select

from models import District, RoleGrant, Unit, UnitCategory, User, utcnow
from models.errors import InvalidData

CODE_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,39}$")
CATEGORY_PATTERN = re.compile(r"^[a-z0-9_]{1,60}$")
CSV_COLUMNS = ("code", "title_fa", "title_en", "parent_code", "district_code", "head_username",
               "categories")


@dataclass
class LineProblem:
    """What is wrong with one line of a units CSV (an English template and its values)."""
    line: int
    template: str
    params: dict = field(default_factory=dict)

    @property
    def message(self) -> str:
        return self.template.format(**self.params)


class UnitImportError(InvalidData):
    """A units CSV with bad lines: nothing was written; `problems` names each line's fault."""

    def __init__(self, problems: list[LineProblem]):
        self.problems = problems
        super().__init__("The file was not imported: {count} line(s) have problems; nothing was "
                         "written.", {f"line {p.line}": p.message for p in problems},
                         count=len(problems))


def find_unit(session, code: str) -> Unit | None:
    """The unit with this code, or None."""
    return session.scalars(select(Unit).where(Unit.code == (code or "").strip())).first()


def split_categories(text: str) -> list[str]:
    """The categories of a `;`-separated list (spaces and empty items ignored), in order, once."""
    seen = []
    for item in (text or "").replace("،", ";").split(";"):
        item = item.strip()
        if item and item not in seen:
            seen.append(item)
    return seen


def _unit_problems(fields: dict, districts: dict, users: dict, units: dict,
                            known_categories) -> list[tuple[str, str, dict]]:
    """(field, template, params) of each problem of one unit's fields (codes as given)."""
    problems = []
    code = fields["code"]
    if not CODE_PATTERN.match(code):
        problems.append(("code", "The code {code!r} is not 1 to 40 Latin letters, digits, '_', "
                                 "'.' or '-'.", {"code": code}))
    if not fields["title_fa"] or len(fields["title_fa"]) > 200:
        problems.append(("title_fa", "A Persian title of 1 to 200 characters is required.", {}))
    if len(fields["title_en"]) > 200:
        problems.append(("title_en", "The English title is longer than 200 characters.", {}))
    district = fields["district_code"]
    if district and district not in districts:
        problems.append(("district_code", "There is no district {district!r}.",
                         {"district": district}))
    head = fields["head_username"]
    if head and head not in users:
        problems.append(("head_username", "There is no user {username!r}.", {"username": head}))
    parent = fields["parent_code"]
    if parent:
        if parent == code:
            problems.append(("parent_code", "A unit cannot be its own parent.", {}))
        elif parent not in units:
            problems.append(("parent_code", "There is no unit {parent!r}.", {"parent": parent}))
        elif (units[parent] or "") != (district or ""):
            problems.append(("parent_code", "The parent unit {parent!r} is in another district.",
                             {"parent": parent}))
    for category in fields["categories"]:
        if (known_categories is not None and category not in known_categories) or \
                not CATEGORY_PATTERN.match(category):
            problems.append(("categories", "{category!r} is not a 137 category.",
                             {"category": category}))
    return problems


def _normalised(fields: dict) -> dict:
    clean = {key: (fields.get(key) or "").strip() for key in CSV_COLUMNS if key != "categories"}
    categories = fields.get("categories") or []
    clean["categories"] = split_categories(categories) if isinstance(categories, str) else \
        [c.strip() for c in categories if c and c.strip()]
    return clean


def _lookups(session):
    districts = {d.code: d for d in session.scalars(select(District))}
    return districts


def _cycle(code: str, parents: dict) -> bool:
    seen, current = set(), code
    while current:
        if current in seen:
            return True
        seen.add(current)
        current = parents.get(current)
    return False


def _apply(session, unit: Unit | None, fields: dict, districts: dict) -> Unit:
    head = session.scalars(select(User).where(User.username == fields["head_username"])).first() \
        if fields["head_username"] else None
    if unit is None:
        unit = Unit(code=fields["code"])
        session.add(unit)
    unit.title_fa, unit.title_en = fields["title_fa"], fields["title_en"]
    unit.district = districts.get(fields["district_code"]) if fields["district_code"] else None
    unit.parent = find_unit(session, fields["parent_code"]) if fields["parent_code"] else None
    unit.head = head
    wanted = fields["categories"]
    unit.category_rows = [row for row in unit.category_rows if row.category in wanted] + [
        UnitCategory(category=c) for c in wanted if c not in unit.categories]
    session.flush()
    return unit


def _existing(session) -> tuple[dict, dict]:
    """{code: district code or ''} and {code: parent code or None} of the stored units."""
    rows = session.execute(select(Unit.code, District.code, Unit.parent_id, Unit.id)
                           .outerjoin(District, Unit.district_id == District.id)).all()
    code_by_id = {row[3]: row[0] for row in rows}
    return ({row[0]: row[1] or "" for row in rows},
            {row[0]: code_by_id.get(row[2]) for row in rows})


def save_units(session, rows: list[tuple[int, dict]], known_categories=None, user=None
               ) -> tuple[int, int]:
    """Create or update units from (line, fields) pairs, all or nothing; (created, updated).

    UnitImportError naming every bad line, before anything is written."""
    districts = _lookups(session)
    users = set(session.scalars(select(User.username)))
    unit_districts, parents = _existing(session)
    clean_rows, problems, seen = [], [], {}
    for line, fields in rows:
        clean = _normalised(fields)
        clean_rows.append((line, clean))
        if clean["code"] in seen:
            problems.append(LineProblem(line, "The code {code!r} is also on line {other}.",
                                        {"code": clean["code"], "other": seen[clean["code"]]}))
        seen.setdefault(clean["code"], line)
        unit_districts[clean["code"]] = clean["district_code"]
        parents[clean["code"]] = clean["parent_code"] or None
    for line, clean in clean_rows:
        for _field, template, params in _unit_problems(clean, districts, users,
                                                                unit_districts, known_categories):
            problems.append(LineProblem(line, template, params))
        if clean["parent_code"] and _cycle(clean["code"], parents):
            problems.append(LineProblem(line, "The parent {parent!r} would make a unit its own "
                                              "ancestor.", {"parent": clean["parent_code"]}))
    if problems:
        raise UnitImportError(sorted(problems, key=lambda p: p.line))
    created = updated = 0
    done = set()

    def write(code):
        if code in done:
            return
        done.add(code)
        line, clean = by_code[code]
        if clean["parent_code"] in by_code:
            write(clean["parent_code"])  # parents first, whatever the order of the lines
        nonlocal created, updated
        unit = find_unit(session, code)
        created, updated = created + (unit is None), updated + (unit is not None)
        _apply(session, unit, clean, districts)

    by_code = {clean["code"]: (line, clean) for line, clean in clean_rows}
    for code in by_code:
        write(code)
    return created, updated


def import_units_csv(session, text: str, known_categories=None, user=None) -> tuple[int, int]:
    """Import a units CSV (columns CSV_COLUMNS, categories separated by ';'); idempotent: a unit
    already there is updated. UnitImportError names each bad line and nothing is written."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip() for name in (reader.fieldnames or [])]
    missing = [name for name in ("code", "title_fa") if name not in header]
    unknown = [name for name in header if name not in CSV_COLUMNS]
    if missing or unknown:
        raise UnitImportError([LineProblem(1, "The header must name the columns {columns}.",
                                           {"columns": ", ".join(CSV_COLUMNS)})])
    rows = []
    for record in reader:
        fields = {(key or "").strip(): value for key, value in record.items()}
        if None in record or any(v is None for v in record.values()):
            rows.append((reader.line_num, {**fields, "code": "", "title_fa": ""}))
            continue
        if not any((value or "").strip() for value in fields.values()):
            continue  # an empty line
        rows.append((reader.line_num, fields))
    if not rows:
        raise UnitImportError([LineProblem(1, "The file has no units.", {})])
    return save_units(session, rows, known_categories, user)


def save_unit(session, fields: dict, known_categories=None, unit: Unit | None = None,
              user=None) -> Unit:
    """Create a unit (unit None) or change one; InvalidData per field, nothing written."""
    clean = _normalised(fields)
    if unit is not None:
        clean["code"] = unit.code
    elif find_unit(session, clean["code"]) is not None:
        raise _unit_invalid({"code": ("This code is taken by another unit.", {})})
    districts = _lookups(session)
    users = set(session.scalars(select(User.username)))
    unit_districts, parents = _existing(session)
    unit_districts[clean["code"]] = clean["district_code"]
    parents[clean["code"]] = clean["parent_code"] or None
    problems = _unit_problems(clean, districts, users, unit_districts, known_categories)
    if clean["parent_code"] and _cycle(clean["code"], parents):
        problems.append(("parent_code", "The parent {parent!r} would make a unit its own ancestor.",
                         {"parent": clean["parent_code"]}))
    if problems:
        raise _unit_invalid({key: (template, params) for key, template, params in reversed(problems)})
    return _apply(session, unit, clean, districts)


def _unit_invalid(field_problems: dict) -> InvalidData:
    """InvalidData whose details are English; field_problems keeps (template, params) per field
    for pages that show them in another language."""
    errors = {key: template.format(**params) for key, (template, params) in field_problems.items()}
    error = InvalidData("The unit was not saved: {problems}", errors,
                        problems="; ".join(errors.values()))
    error.field_problems = field_problems
    return error


def unit_tree(session, district_id: int | None = None, city: bool = False) -> list[tuple[Unit, int]]:
    """(unit, depth) in tree order: each root (by code) followed by its descendants. With
    district_id, that district's units only; with city, the city's (district NULL) only."""
    query = select(Unit).order_by(Unit.code)
    if district_id is not None:
        query = query.where(Unit.district_id == district_id)
    elif city:
        query = query.where(Unit.district_id.is_(None))
    units = session.scalars(query).all()
    ids = {unit.id for unit in units}
    children = {}
    for unit in units:
        children.setdefault(unit.parent_id if unit.parent_id in ids else None, []).append(unit)
    ordered = []

    def walk(parent_id, depth):
        for unit in children.get(parent_id, []):
            ordered.append((unit, depth))
            walk(unit.id, depth + 1)
    walk(None, 0)
    return ordered


def units_answering(session, category: str | None = None, district_id: int | None = None,
                    city: bool = False) -> list[Unit]:
    """The units answering a 137 category (any with category None), of a district or, with
    city, of the city (district NULL); by code. One indexed query."""
    query = select(Unit).order_by(Unit.code)
    if category:
        query = query.join(UnitCategory, UnitCategory.unit_id == Unit.id).where(
            UnitCategory.category == category)
    if district_id is not None:
        query = query.where(Unit.district_id == district_id)
    elif city:
        query = query.where(Unit.district_id.is_(None))
    return list(session.scalars(query))


def unit_and_descendants(session, unit: Unit) -> list[int]:
    """The ids of a unit and every unit under it."""
    rows = session.execute(select(Unit.id, Unit.parent_id)).all()
    children = {}
    for unit_id, parent_id in rows:
        children.setdefault(parent_id, []).append(unit_id)
    ids, todo = [], [unit.id]
    while todo:
        current = todo.pop()
        if current not in ids:
            ids.append(current)
            todo.extend(children.get(current, []))
    return ids


def grant_in_force_clause(now):
    """SQL condition: a RoleGrant in force at now (naive UTC)."""
    return and_(or_(RoleGrant.valid_from.is_(None), RoleGrant.valid_from <= now),
                or_(RoleGrant.valid_until.is_(None), RoleGrant.valid_until > now))


def members(session, role: str | None = None, district_id: int | None = None,
            unit_id: int | None = None, now=None, limit: int = 500) -> list[User]:
    """Active users with a grant in force matching: of role; in district_id (or city-wide, which
    reaches every district); in unit_id. By username. For pickers (reassign, delegate)."""
    now = now or utcnow()
    query = (select(RoleGrant.user_id).where(grant_in_force_clause(now)))
    if role:
        query = query.where(RoleGrant.role == role)
    if district_id is not None:
        query = query.where(or_(RoleGrant.district_id == district_id, RoleGrant.district_id.is_(None)))
    if unit_id is not None:
        query = query.where(RoleGrant.unit_id == unit_id)
    return list(session.scalars(select(User).where(User.id.in_(query), User.is_active.is_(True))
                                .order_by(User.username).limit(limit)))


def _plain(text: str) -> str:
    return " ".join(str(text).replace("\u200c", " ").split()).casefold()


def routed_unit(session, named: str | None, role: str | None, district_id: int | None) -> int | None:
    """The unit a task that names `named` (its candidateUnit: a unit's code, its Persian or
    English title, or a 137 category it answers) goes to, in the task's district or the city;
    None (route by role, as before) when nothing matches or no one could take it there: the
    unit has no head and no member holding the task's role now."""
    if not named:
        return None
    candidates = [u for u in session.scalars(select(Unit).where(
        or_(Unit.district_id == district_id, Unit.district_id.is_(None))).order_by(Unit.code))]
    wanted = _plain(named)
    # A title as people write it: whole ("waste management of district 2") or without the
    # district's name ("waste management"), when that names one unit here.
    starting = [u for u in candidates if any(_plain(t).startswith(wanted + " ")
                                             for t in (u.title_fa, u.title_en) if t)]
    unit = (next((u for u in candidates if u.code == named), None)
            or next((u for u in candidates if wanted in (_plain(u.title_fa), _plain(u.title_en))), None)
            or (starting[0] if len(starting) == 1 else None)
            or next(iter(units_answering(session, named, district_id)), None))
    if unit is None:
        return None
    if unit.head_id is not None or (role and members(session, role, unit_id=unit.id, limit=1)):
        return unit.id
    return None


def headed_unit_ids(session, user) -> list[int]:
    """The units the user heads (their head sees and may do every task routed to them)."""
    if getattr(user, "id", None) is None or session is None:
        return []
    return list(session.scalars(select(Unit.id).where(Unit.head_id == user.id)))
