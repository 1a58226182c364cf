"""The organisation pages (see the URL table in app/admin/__init__.py)."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from models import District, RoleGrant, Unit, User, utcnow
from models.errors import InvalidData, NotFound
from engine import append_operator_event
from people.accounts import AccountError, find_district, grant_role, revoke_grant
from people.catalogue import create_role, list_roles, roles_of
from people.organisation import UnitImportError, find_unit, import_units_csv, save_unit, unit_tree
from people.substitutes import end_substitution, list_substitutions, name_substitute
from programmes.messages137.channels import add_channel, list_channels

from ..db import db_session
from ..i18n import translate_error
from ..organisation import message_categories, parse_period, problem_text
from . import bp, organisation_admin

UNIT_FIELDS = ("code", "title_fa", "title_en", "parent_code", "district_code", "head_username")


def _districts(session):
    return session.scalars(select(District).order_by(District.code)).all()


def _field_errors(exc: InvalidData) -> dict:
    """Each field's message in the page's language (templates with values where given)."""
    problems = getattr(exc, "field_problems", None)
    if problems:
        return {key: _(template).format(**params) for key, (template, params) in problems.items()}
    return {key: _(message) for key, message in exc.details.items()}


@bp.get("/")
@organisation_admin
def index():
    return redirect(url_for("admin.units"))


# ---------------------------------------------------------------- units

def _units_page(status=200, **extra):
    session = db_session()
    chosen = request.args.get("district", "")
    district = find_district(session, chosen) if chosen not in ("", "city") else None
    tree = unit_tree(session, district.id if district else None, city=chosen == "city")
    return render_template("admin/units.html", tree=tree, districts=_districts(session),
                           chosen=chosen, categories=message_categories(session), **extra), status


@bp.get("/units")
@organisation_admin
def units():
    return _units_page()


def _unit_form(unit=None, values=None, errors=None, status=200):
    session = db_session()
    if values is None:
        values = {"categories": []}
        if unit is not None:
            values = {"code": unit.code, "title_fa": unit.title_fa, "title_en": unit.title_en,
                      "parent_code": unit.parent.code if unit.parent else "",
                      "district_code": unit.district.code if unit.district else "",
                      "head_username": unit.head.username if unit.head else "",
                      "categories": unit.categories}
    return render_template("admin/unit_form.html", unit=unit, values=values, errors=errors or {},
                           districts=_districts(session), categories=message_categories(session),
                           parents=unit_tree(session)), status


def _posted_unit() -> dict:
    values = {key: request.form.get(key, "") for key in UNIT_FIELDS}
    values["categories"] = request.form.getlist("categories")
    return values


def _save(unit):
    session = db_session()
    values = _posted_unit()
    try:
        saved = save_unit(session, values, set(message_categories(session)) or None, unit=unit,
                          user=current_user)
    except InvalidData as exc:
        return _unit_form(unit, values, _field_errors(exc), 400)
    flash(_("The unit %(code)s was saved.", code=saved.code), "success")
    return redirect(url_for("admin.units"), code=303)


@bp.route("/units/new", methods=["GET", "POST"])
@organisation_admin
def unit_new():
    return _save(None) if request.method == "POST" else _unit_form()


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@organisation_admin
def unit_edit(unit_id):
    unit = db_session().get(Unit, unit_id)
    if unit is None:
        return render_template("error.html", message=_("There is no such unit.")), 404
    return _save(unit) if request.method == "POST" else _unit_form(unit)


@bp.post("/units/import")
@organisation_admin
def units_import():
    session = db_session()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return _units_page(400, import_errors=[_("Choose a CSV file to import.")])
    try:
        text = upload.read(2_000_000).decode("utf-8")
    except UnicodeDecodeError:
        return _units_page(400, import_errors=[_("The file is not UTF-8 text.")])
    try:
        created, updated = import_units_csv(session, text, set(message_categories(session)) or None,
                                            current_user)
    except UnitImportError as exc:
        session.rollback()
        return _units_page(400, import_errors=[problem_text(p) for p in exc.problems])
    flash(_("Units imported: %(created)s created, %(updated)s updated.", created=created,
            updated=updated), "success")
    return redirect(url_for("admin.units"), code=303)


# ---------------------------------------------------------------- roles

@bp.route("/roles", methods=["GET", "POST"])
@organisation_admin
def roles():
    session = db_session()
    values, errors, status = {}, {}, 200
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in ("code", "title_fa", "title_en")}
        values["city_wide"] = request.form.get("city_wide") == "1"
        try:
            row = create_role(session, values["code"], values["title_fa"], values["title_en"],
                              values["city_wide"], current_user)
        except InvalidData as exc:
            errors, status = _field_errors(exc), 400
        else:
            append_operator_event(session, "role_created", actor=current_user,
                                  reason=request.form.get("reason", ""),
                                  data={"role": row.code, "city_wide": values["city_wide"]})
            flash(_("The role %(title)s was added: lanes and grants may name it now.",
                    title=row.title_fa), "success")
            return redirect(url_for("admin.roles"), code=303)
    return render_template("admin/roles.html", roles=list_roles(session), values=values,
                           errors=errors), status


# ---------------------------------------------------------------- 137 intake channels

@bp.route("/channels", methods=["GET", "POST"])
@organisation_admin
def channels():
    session = db_session()
    values, errors, status = {}, {}, 200
    if request.method == "POST":
        values = {key: request.form.get(key, "") for key in ("code", "title_fa", "title_en")}
        try:
            row = add_channel(session, values["code"], values["title_fa"], values["title_en"],
                              current_user)
        except InvalidData as exc:
            session.rollback()
            errors, status = _field_errors(exc), 400
        else:
            flash(_("The channel %(title)s was added: the 137 intake form offers it now.",
                    title=row.title_fa), "success")
            return redirect(url_for("admin.channels"), code=303)
    return render_template("admin/channels.html", channels=list_channels(session), values=values,
                           errors=errors), status


# ---------------------------------------------------------------- memberships

@bp.get("/users")
@organisation_admin
def users():
    session = db_session()
    q = request.args.get("q", "").strip()
    query = select(User).where(User.password_hash != "!").order_by(User.username).limit(200)
    if q:
        query = query.where(or_(User.username.contains(q), User.full_name.contains(q)))
    return render_template("admin/users.html", users=session.scalars(query).all(), q=q)


def _user_or_404(user_id):
    user = db_session().get(User, user_id)
    if user is None:
        abort(404)
    return user


def _user_page(user, values=None, errors=None, status=200):
    session = db_session()
    return render_template("admin/user.html", person=user, values=values or {}, errors=errors or {},
                           roles=roles_of(session).roles, districts=_districts(session),
                           units=unit_tree(session)), status


@bp.get("/users/<int:user_id>")
@organisation_admin
def user_memberships(user_id):
    return _user_page(_user_or_404(user_id))


@bp.post("/users/<int:user_id>/grants")
@organisation_admin
def grant_add(user_id):
    session = db_session()
    user = _user_or_404(user_id)
    values = {key: request.form.get(key, "").strip()
              for key in ("role", "scope", "unit", "district", "from", "until")}
    errors = {}
    unit = district = None
    if values["scope"] == "unit":
        unit = find_unit(session, values["unit"])
        if unit is None:
            errors["unit"] = _("Choose a unit.")
    elif values["scope"] == "district":
        district = find_district(session, values["district"])
        if district is None:
            errors["district"] = _("Choose a district.")
    elif values["scope"] != "city":
        errors["scope"] = _("Choose where the role is held: a unit, a district or the city.")
    if not roles_of(session).is_role(values["role"]):
        errors["role"] = _("Choose a role.")
    try:
        valid_from, valid_until = parse_period(values["from"], values["until"])
    except ValueError:
        errors["until"] = _("Write the days as 1405/09/15, the last one not before the first.")
    if not errors:
        try:
            grant = grant_role(session, user, values["role"], district, unit=unit,
                               valid_from=valid_from, valid_until=valid_until)
            append_operator_event(session, "role_granted", actor=current_user,
                                  reason=request.form.get("reason", ""), data=grant_data(grant))
        except AccountError as exc:
            errors["role"] = _(str(exc))
    if errors:
        return _user_page(user, values, errors, 400)
    flash(_("The membership was saved."), "success")
    return redirect(url_for("admin.user_memberships", user_id=user.id), code=303)


@bp.post("/users/<int:user_id>/grants/<int:grant_id>/remove")
@organisation_admin
def grant_remove(user_id, grant_id):
    session = db_session()
    user = _user_or_404(user_id)
    grant = session.get(RoleGrant, grant_id)
    if grant is None or grant.user_id != user.id:
        return render_template("error.html", message=_("There is no such membership.")), 404
    data = grant_data(grant)
    revoke_grant(session, grant.id, current_user)
    append_operator_event(session, "role_revoked", actor=current_user,
                          reason=request.form.get("reason", ""), data=data)
    flash(_("The membership was removed."), "success")
    return redirect(url_for("admin.user_memberships", user_id=user.id), code=303)


def grant_data(grant) -> dict:
    """A membership as the city-wide chain of operator actions records it."""
    return {"user_id": grant.user_id, "username": grant.user.username, "role": grant.role,
            "district_id": grant.district_id, "unit_id": grant.unit_id,
            "valid_from": grant.valid_from.isoformat() if grant.valid_from else None,
            "valid_until": grant.valid_until.isoformat() if grant.valid_until else None}


# ---------------------------------------------------------------- substitutes

@bp.route("/substitutes", methods=["GET", "POST"])
@organisation_admin
def substitutes():
    session = db_session()
    values, errors, status = {}, {}, 200
    if request.method == "POST":
        values = {key: request.form.get(key, "").strip()
                  for key in ("user", "substitute", "from", "until", "reason")}
        people = {}
        for key in ("user", "substitute"):
            people[key] = session.scalars(select(User).where(User.username == values[key])).first()
            if people[key] is None:
                errors[key] = _("There is no user with this username.")
        try:
            valid_from, valid_until = parse_period(values["from"], values["until"])
            if valid_from is None or valid_until is None:
                raise ValueError("both days are needed")
        except ValueError:
            errors["until"] = _("Write the days as 1405/09/15, the last one not before the first.")
        if not errors:
            try:
                name_substitute(session, people["user"], people["substitute"], valid_from,
                                valid_until, values["reason"], current_user)
                append_operator_event(session, "substitute_named", actor=current_user,
                                      reason=values["reason"], data={
                                          "username": people["user"].username,
                                          "substitute": people["substitute"].username,
                                          "valid_from": valid_from.isoformat(),
                                          "valid_until": valid_until.isoformat()})
            except InvalidData as exc:
                errors = _field_errors(exc)
        if errors:
            status = 400
        else:
            flash(_("%(substitute)s stands in for %(user)s.",
                    substitute=people["substitute"].display_name,
                    user=people["user"].display_name), "success")
            return redirect(url_for("admin.substitutes"), code=303)
    return render_template("admin/substitutes.html", rows=list_substitutions(session),
                           values=values, errors=errors, now=utcnow()), status


@bp.post("/substitutes/<int:substitution_id>/end")
@organisation_admin
def substitute_end(substitution_id):
    try:
        ended = end_substitution(db_session(), substitution_id, current_user)
        append_operator_event(db_session(), "substitution_ended", actor=current_user,
                              reason=request.form.get("reason", ""),
                              data={"substitution_id": substitution_id,
                                    "username": ended.user.username,
                                    "substitute": ended.substitute.username})
    except NotFound as exc:
        return render_template("error.html", message=translate_error(exc)), 404
    flash(_("The substitution was ended."), "success")
    return redirect(url_for("admin.substitutes"), code=303)
