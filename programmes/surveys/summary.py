"""Summary tables of survey and poll answers (F-__-0-2-03, F-__-0-2-05), computed, never typed.

Plain functions over form-js schemas and answer dicts: no database, no SpiffWorkflow. Every
choice question of a form (radio, select, checklist) gets its count per option, split by
channel (paper / public); a question whose options are all whole numbers (the 1-5 scales)
also gets its mean. A field that declares its kind (the property `questionKind` of an opinion
poll's questions, programmes/surveys/questionnaire.py) is counted as that kind: a `choice`
with numbered options is no scale, and a `text` question gets its number of answers. Fields
in a group with a path (a poll's `poll_answers`) are read at that path. The result is JSON,
stored as it is in the summary's quality record.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from formjs.validation import iter_components, options

CHANNELS = ("paper", "public")
CHOICE_TYPES = frozenset({"radio", "select", "checklist"})
TEXT_TYPES = frozenset({"textarea"})


@dataclass(frozen=True)
class Answer:
    form_key: str
    channel: str  # one of CHANNELS
    data: Mapping


def _inputs(components, prefix: str = "") -> Iterable[tuple[str, Mapping]]:
    """(where the answer is: a key, or a dotted path in a group with a path; the component)."""
    for kind, comp in iter_components(components):
        if kind == "group":
            path = comp.get("path")
            yield from _inputs(comp.get("components"), f"{prefix}{path}." if path else prefix)
        elif kind == "dynamiclist":
            continue  # rows are no single answer
        elif comp.get("key") and not comp.get("readonly") and not comp.get("disabled"):
            yield prefix + comp["key"], comp


def _value(data: Mapping, where: str):
    """The answer at a key or dotted path of an answer's data (None when absent)."""
    for step in where.split("."):
        if not isinstance(data, Mapping):
            return None
        data = data.get(step)
    return data


def _declared_kind(comp: Mapping) -> str | None:
    props = comp.get("properties")
    return props.get("questionKind") if isinstance(props, Mapping) else None


def form_title(schema: Mapping) -> str:
    """The first line of the form's header text, without its markdown hashes."""
    for kind, comp in iter_components(schema.get("components")):
        if kind == "text" and str(comp.get("text") or "").strip():
            return str(comp["text"]).strip().splitlines()[0].lstrip("#").strip()
    return str(schema.get("id") or "")


def questions_of(schema: Mapping) -> list[dict]:
    """The questions of a form: key (a dotted path in a group with one), label, kind
    (scale/choice/multi, or text when the field declares it) and options."""
    found = []
    for where, comp in _inputs(schema.get("components")):
        declared = _declared_kind(comp)
        label = str(comp.get("label") or comp["key"])
        if declared == "text" and comp.get("type") in TEXT_TYPES:
            found.append({"key": where, "label": label, "kind": "text", "options": []})
            continue
        if comp.get("type") not in CHOICE_TYPES:
            continue
        pairs = [(str(value), label) for value, label in options(comp)]
        if not pairs:
            continue
        numeric = all(value.lstrip("-").isdigit() for value, _ in pairs) and len(pairs) >= 3
        kind = "multi" if comp["type"] == "checklist" else ("scale" if numeric else "choice")
        if declared in ("scale", "choice") and kind != "multi":
            kind = declared if declared == "choice" or numeric else kind
        found.append({"key": where, "label": label, "kind": kind, "options": pairs})
    return found


def _text_keys(schema: Mapping) -> list[str]:
    return [where for where, comp in _inputs(schema.get("components"))
            if comp.get("type") in TEXT_TYPES]


def _by_channel() -> dict[str, int]:
    return {channel: 0 for channel in CHANNELS}


def _chosen(value) -> list[str]:
    """The option values an answer picked (a checklist picks several)."""
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value if v not in (None, "")]
    return [str(value)]


def _mean(total: float, count: int) -> float | None:
    return round(total / count, 2) if count else None


def summarise_question(question: Mapping, answers: list[Answer]) -> dict:
    """Counts per option (and per channel), answered count and, for a scale, the mean; for a
    text question, how many wrote an answer."""
    if question["kind"] == "text":
        answered = _by_channel()
        for answer in answers:
            if str(_value(answer.data, question["key"]) or "").strip():
                answered[answer.channel] += 1
        return {"key": question["key"], "label": question["label"], "kind": "text",
                "answered": sum(answered.values()), "answered_by_channel": answered,
                "options": []}
    counts = {value: _by_channel() for value, _ in question["options"]}
    answered, sums, scored = _by_channel(), dict.fromkeys(CHANNELS, 0.0), _by_channel()
    for answer in answers:
        picked = [v for v in _chosen(_value(answer.data, question["key"])) if v in counts]
        if not picked:
            continue
        answered[answer.channel] += 1
        for value in picked:
            counts[value][answer.channel] += 1
        if question["kind"] == "scale":
            sums[answer.channel] += int(picked[0])
            scored[answer.channel] += 1
    total_answered = sum(answered.values())
    rows = []
    for value, label in question["options"]:
        count = sum(counts[value].values())
        rows.append({"value": value, "label": label, "count": count, "by_channel": counts[value],
                     "percent": round(100.0 * count / total_answered, 1) if total_answered else 0.0})
    summary = {"key": question["key"], "label": question["label"], "kind": question["kind"],
               "answered": total_answered, "answered_by_channel": answered, "options": rows}
    if question["kind"] == "scale":
        summary["mean"] = _mean(sum(sums.values()), sum(scored.values()))
        summary["mean_by_channel"] = {c: _mean(sums[c], scored[c]) for c in CHANNELS}
    return summary


def summarise_form(form_key: str, schema: Mapping, answers: Iterable[Answer]) -> dict:
    """The summary of one questionnaire: respondents, every choice question, comment count."""
    mine = [a for a in answers if a.form_key == form_key and a.channel in CHANNELS]
    by_channel = _by_channel()
    for answer in mine:
        by_channel[answer.channel] += 1
    text_keys = _text_keys(schema)
    comments = sum(1 for a in mine if any(str(_value(a.data, k) or "").strip() for k in text_keys))
    return {"form_key": form_key, "title": form_title(schema), "respondents": len(mine),
            "by_channel": by_channel, "comments": comments,
            "questions": [summarise_question(q, mine) for q in questions_of(schema)]}


def summarise(schemas: Mapping[str, Mapping], answers: Iterable[Answer]) -> dict:
    """The summary table of several questionnaires (form key -> schema), in the given order."""
    answers = list(answers)
    forms = [summarise_form(key, schema, answers) for key, schema in schemas.items()]
    by_channel = _by_channel()
    for form in forms:
        for channel in CHANNELS:
            by_channel[channel] += form["by_channel"][channel]
    return {"respondents": sum(form["respondents"] for form in forms), "by_channel": by_channel,
            "forms": forms}
