"""Finding instances (issue 20): the Persian-aware normalisation, the search text written at
every step (personal values only as keyed tokens, gone when the case is shredded), every
filter, keyset pages and who may see what (programmes.oversight.instance_search)."""
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

import engine as runtime
from engine_support import district_id, reload_instance, user
from message_137_support import INTAKE, complete, deploy_messages, start_message
from models import Instance, clock
from models.errors import InvalidData
from programmes.oversight.instance_search import (InstanceFilters, parse_filters, parse_page,
                                                  search_instances)
from workcal.persian_text import document_words, normalise_text, phone_digits, query_words

TEHRAN = ZoneInfo("Asia/Tehran")
# Solar Hijri 1405/09/10 = 2026-12-01, 1405/09/20 = 2026-12-11
EARLY = datetime(2026, 12, 1, 10, 0, tzinfo=TEHRAN)
LATE = datetime(2026, 12, 11, 10, 0, tzinfo=TEHRAN)


# ---------------------------------------------------------------- normalisation

def test_arabic_yeh_and_kaf_read_as_persian():
    assert normalise_text("علي كريمي") == normalise_text("علی کریمی") == "علی کریمی"
    assert query_words("ى ئ ك") == ["ی", "ی", "ک"]


def test_persian_and_arabic_digits_read_as_latin_and_latin_letters_as_lower_case():
    assert normalise_text("۰۹۱۲ ٣٤٥ ABC") == "0912 345 abc"


def test_tashkil_tatweel_and_invisible_marks_are_dropped():
    assert normalise_text("مُحَمَّد") == "محمد"
    assert normalise_text("کـــار") == "کار"
    assert normalise_text("\u200fسلام\u200b\ufeff") == "سلام"


def test_a_word_with_a_zero_width_non_joiner_is_found_joined_apart_or_as_typed():
    stored = document_words("می\u200cخواهم")
    assert set(stored) == {"میخواهم", "می", "خواهم"}
    for typed in ("میخواهم", "می\u200cخواهم", "می خواهم"):
        assert all(word in stored for word in query_words(typed)), typed


def test_a_phone_number_reads_as_its_national_digits_however_it_is_written():
    for typed in ("09123456789", "+98 912 345 6789", "۰۹۱۲-۳۴۵-۶۷۸۹", "00989123456789"):
        assert phone_digits(typed) == "9123456789", typed
    assert phone_digits("چراغ") is None and phone_digits("12") is None


# ---------------------------------------------------------------- the search text

@pytest.fixture
def messages(app, db, complaints):
    """Four 137 messages and a staff complaint, as their operators registered them."""
    deploy_messages(app)
    clock.set_now(EARLY)
    lamp = start_message(db)
    complete(db, lamp.id, "Task_register_message",
             {**INTAKE, "citizen_name": "مريم احمدي", "citizen_phone": "09123456789",
              "description": "چراغ کوچه خاموش است و می\u200cخواهم درست شود."})
    answered = start_message(db)
    complete(db, answered.id, "Task_register_message",
             {**INTAKE, "channel": "web", "category": "technical", "citizen_name": "رضا کاظمی",
              "citizen_phone": "09350001111", "outcome": "answered",
              "description": "ساعت کار اداره", "on_spot_answer": "گفته شد."})
    clock.set_now(LATE)
    tree = start_message(db)
    complete(db, tree.id, "Task_register_message",
             {**INTAKE, "category": "urban_planning", "citizen_name": "زهرا رضایی",
              "citizen_phone": "09121110000", "description": "درخت افتاده است"})
    other = start_message(db, "d2")
    complete(db, other.id, "Task_register_message",
             {**INTAKE, "citizen_name": "مریم احمدی", "citizen_phone": "09123456789",
              "description": "چراغ خیابان"}, username="intake_operator_d2")
    staff = runtime.start_instance(db, "complaints", user(db, "pr_expert_d1"), district_id(db, "d1"),
                                   {"complaint_type": "employee", "channel": "phone",
                                    "complainant_name": "مریم احمدی", "phone": "09123456789",
                                    "description": "رفتار کارمند"})
    db.commit()
    return {"lamp": lamp.id, "answered": answered.id, "tree": tree.id, "other": other.id,
            "staff": staff.id}


def found(db, username, **args) -> list[int]:
    filters = parse_filters(db, {k: str(v) for k, v in args.items()})
    return [i.id for i in search_instances(db, user(db, username), filters, per_page=100).rows]


def test_personal_values_are_kept_only_as_keyed_tokens_in_the_search_text(app, db, messages):
    stored = db.scalar(select(Instance.search_text).where(Instance.id == messages["lamp"]))
    assert "چراغ" in stored and "میخواهم" in stored and "خواهم" in stored
    assert "مریم" not in stored and "احمدی" not in stored and "9123456789" not in stored
    assert "zq" in stored
    instance = reload_instance(db, messages["lamp"])
    assert (instance.channel, instance.category) == ("phone", "service")


def test_a_complaints_category_is_its_type(app, db, messages):
    assert reload_instance(db, messages["staff"]).category == "employee"


def test_a_message_is_found_by_its_citizens_phone_however_it_is_typed(app, db, messages):
    for typed in ("09123456789", "۰۹۱۲ ۳۴۵ ۶۷۸۹", "+989123456789"):
        assert set(found(db, "central_pr", q=typed)) == {messages["lamp"], messages["other"]}, typed
    assert found(db, "central_pr", q="09350001111") == [messages["answered"]]


def test_a_message_is_found_by_its_citizens_name_with_arabic_or_persian_letters(app, db, messages):
    want = {messages["lamp"], messages["other"]}
    assert set(found(db, "central_pr", q="مریم احمدی")) == want  # stored with ي, typed with ی
    assert set(found(db, "central_pr", q="مريم")) == want
    assert found(db, "central_pr", q="رضایی") == [messages["tree"]]


def test_free_text_matches_prefixes_of_every_word_with_or_without_the_non_joiner(app, db, messages):
    assert found(db, "central_pr", q="چراغ خاموش") == [messages["lamp"]]
    assert set(found(db, "central_pr", q="چرا")) == {messages["lamp"], messages["other"]}
    for typed in ("میخواهم", "می\u200cخواهم", "می خواهم"):
        assert found(db, "central_pr", q=typed) == [messages["lamp"]], typed
    assert found(db, "central_pr", q="چراغ درخت") == []


def test_a_tracking_code_finds_its_instance_typed_in_persian_digits(app, db, messages):
    code = reload_instance(db, messages["tree"]).tracking_code
    persian = code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")).lower()
    assert found(db, "central_pr", q=persian) == [messages["tree"]]


def test_shredding_a_case_takes_its_phone_and_name_out_of_the_search(app, db, messages):
    runtime.shred_case(db, messages["lamp"])
    db.commit()
    assert found(db, "central_pr", q="09123456789") == [messages["other"]]
    assert found(db, "central_pr", q="مریم") == [messages["other"]]
    assert found(db, "central_pr", q="چراغ خاموش") == [messages["lamp"]]  # its words stay


# ---------------------------------------------------------------- filters

def test_each_filter_narrows_the_list(app, db, messages):
    lamp, answered, tree, other = (messages[k] for k in ("lamp", "answered", "tree", "other"))
    assert found(db, "central_pr", channel="web") == [answered]
    assert found(db, "central_pr", category="urban_planning") == [tree]
    assert found(db, "central_pr", status="completed") == [answered]
    assert set(found(db, "central_pr", district="d2")) == {other}
    assert set(found(db, "central_pr", process="citizen_message_137")) == {lamp, answered, tree, other}
    assert set(found(db, "central_pr", process="citizen_message_137", version=1)) == {
        lamp, answered, tree, other}
    assert found(db, "central_pr", process="citizen_message_137", version=2) == []
    assert set(found(db, "central_pr", started_from="1405/09/10", started_to="۱۴۰۵/۰۹/۱۰")) == {
        lamp, answered}
    assert set(found(db, "central_pr", process="citizen_message_137",
                     started_from="1405/09/20")) == {tree, other}
    assert found(db, "central_pr", ended_from="1405/09/10", ended_to="1405/09/10") == [answered]
    assert found(db, "central_pr", ended_from="1405/09/11") == []
    assert found(db, "central_pr", status="suspended") == []  # accepted, none is


def test_overdue_finds_the_instances_with_an_open_task_past_its_due_date(app, db, messages):
    clock.set_now(LATE + timedelta(hours=1))  # the lamp's service reply (24 h) is long overdue
    overdue = set(found(db, "central_pr", process="citizen_message_137", overdue=1))
    assert messages["lamp"] in overdue and messages["tree"] not in overdue
    assert messages["answered"] not in overdue


# ---------------------------------------------------------------- who sees what

def test_another_districts_instance_is_not_found(app, db, messages):
    assert found(db, "department_head_d2", q="09123456789") == [messages["other"]]
    assert messages["lamp"] not in found(db, "department_head_d2")


def test_a_confidential_complaint_is_found_only_by_those_who_may_see_it(app, db, messages):
    assert messages["staff"] not in found(db, "central_pr", q="09123456789")
    assert messages["staff"] not in found(db, "pr_head_d1", category="employee")
    assert found(db, "central_inspection", category="employee") == [messages["staff"]]
    assert messages["staff"] in found(db, "complaints_expert_d1", q="مریم")


# ---------------------------------------------------------------- pages

def test_keyset_pages_walk_forward_and_back_with_the_count(app, db, messages):
    everyone = found(db, "central_inspection")
    viewer, filters = user(db, "central_inspection"), InstanceFilters()
    first = search_instances(db, viewer, filters, per_page=2)
    assert [i.id for i in first.rows] == everyone[:2] and first.total == len(everyone)
    assert first.previous_before is None and first.next_after == everyone[1]
    second = search_instances(db, viewer, filters, after=first.next_after, per_page=2)
    assert [i.id for i in second.rows] == everyone[2:4]
    back = search_instances(db, viewer, filters, before=second.previous_before, per_page=2)
    assert [i.id for i in back.rows] == everyone[:2] and back.previous_before is None
    last = search_instances(db, viewer, filters, after=everyone[3], per_page=2)
    assert [i.id for i in last.rows] == everyone[4:] and last.next_after is None


def test_a_broad_search_says_more_than_the_count_limit_and_pages_the_same(app, db, messages,
                                                                           monkeypatch):
    from programmes.oversight import instance_search
    everyone = found(db, "central_inspection")
    monkeypatch.setattr(instance_search, "COUNT_LIMIT", 2)  # many matches: the other read path
    viewer = user(db, "central_inspection")
    first = search_instances(db, viewer, InstanceFilters(), per_page=2)
    assert first.total_is_capped and first.total == 2
    assert [i.id for i in first.rows] == everyone[:2]
    second = search_instances(db, viewer, InstanceFilters(), after=first.next_after, per_page=2)
    assert [i.id for i in second.rows] == everyone[2:4]
    back = search_instances(db, viewer, InstanceFilters(), before=second.previous_before, per_page=2)
    assert [i.id for i in back.rows] == everyone[:2]


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("args, field", [
    ({"started_from": "1405/13/01"}, "started_from"),
    ({"ended_to": "yesterday"}, "ended_to"),
    ({"started_from": "1405/09/20", "started_to": "1405/09/10"}, "started_to"),
    ({"process": "citizen_message_137", "version": "99999999999"}, "version"),
    ({"version": "1"}, "version"),
    ({"status": "sleeping"}, "status"),
    ({"district": "d9"}, "district"),
    ({"unit": "nope"}, "unit"),
    ({"q": "abc\x00"}, "q"),
    ({"q": "x" * 201}, "q"),
    ({"q": "!!!"}, "q"),
    ({"channel": "a b"}, "channel"),
    ({"age": "old"}, "age"),
])
def test_a_malformed_filter_is_refused_with_its_field(app, db, args, field):
    with pytest.raises(InvalidData) as refused:
        parse_filters(db, args)
    assert field in refused.value.details


@pytest.mark.parametrize("args", [{"after": "0"}, {"after": "2147483648"}, {"before": "-1"},
                                  {"per_page": "101"}, {"per_page": "x"}])
def test_a_malformed_page_is_refused(args):
    with pytest.raises(InvalidData):
        parse_page(args)


@pytest.mark.postgres
def test_postgresql_keeps_a_tsvector_of_the_search_text_and_matches_it(app, db, messages):
    lexemes = db.scalar(text("SELECT search_vector::text FROM instances WHERE id = :id"),
                        {"id": messages["lamp"]})
    assert "'چراغ'" in lexemes and "'میخواهم'" in lexemes and "'خواهم'" in lexemes
    assert db.scalar(text("SELECT count(*) FROM pg_indexes WHERE indexname = "
                          "'ix_instances_search_vector' AND indexdef LIKE '%gin%'")) == 1
    assert found(db, "central_pr", q="خاموش كوچه") == [messages["lamp"]]  # Arabic kaf typed


@pytest.mark.parametrize("typed", ["½ ²", "ⅷ", "a\u200cb", "🙂 چراغ", "'", "\\", "&|!():*<->",
                                   "ab'cd", "x:*", "नमस्ते", "ﻻ", "Ｆｕｌｌ", "0", "٠٩١٢"])
def test_any_typed_text_is_searched_or_refused_never_an_error(app, db, typed):
    try:
        filters = parse_filters(db, {"q": typed})
    except InvalidData:
        return
    search_instances(db, user(db, "central_pr"), filters)
