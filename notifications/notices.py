"""What a diagram asks to tell the citizen (or the managers) at a user task.

A user task names its notices with the extension properties `noticeOnOpen` (sent when the task
opens) and `noticeOnComplete` (sent when it is completed). A value is a list separated by ";",
each item `name`, `name: variable` or either followed by `when variable=value`:

    <spiffworkflow:property name="noticeOnOpen" value="answer_ready: reply_text; satisfaction_check" />
    <spiffworkflow:property name="noticeOnComplete"
        value="tracking_code_issued; answer_ready: on_spot_answer when outcome=answered" />

The notices and the variable each reads from the instance's data:
  tracking_code_issued   the tracking code (once per instance)
  message_referred       the request was referred to the unit responsible, with the date its
                         answer is expected (the earliest due date of the tasks now open)
  answer_ready           the answer, in the variable named (required)
  meeting_scheduled      a meeting's time and place (meeting_date, meeting_time, venue,
                         mosque_name of the meeting_schedule form)
  draft_published        the final text of a draft regulation is published (draft_title,
                         draft_page of the draft_publication form)
  satisfaction_check     a fresh satisfaction link
  escalation_to_manager  e-mail to the district's managers; the variable (required) holds the
                         moment since which the citizen waits, so the e-mail says for how many
                         hours of the 137 clock (computed, not copied from a timer)
Each is signed by the office of its procedure (programmes/citizens/notices.py, OFFICE_OF).
Deploy refuses a value this module cannot read (modeling.rules).
"""
import re
from dataclasses import dataclass

NOTICE_PROPERTIES = ("noticeOnOpen", "noticeOnComplete")
# notice -> whether it needs a variable
NOTICES = {"tracking_code_issued": False, "message_referred": False, "answer_ready": True,
           "meeting_scheduled": False, "draft_published": False, "satisfaction_check": False,
           "escalation_to_manager": True}
_ITEM = re.compile(r"^(?P<name>[a-z_]+)\s*(?::\s*(?P<variable>[A-Za-z_]\w*))?"
                   r"(?:\s+when\s+(?P<when_var>[A-Za-z_]\w*)\s*=\s*(?P<when_value>[^\s;]+))?$")


@dataclass(frozen=True)
class Notice:
    """One notice a task asks for: its name, the variable it reads, and when it applies."""

    name: str
    variable: str | None = None
    when: tuple[str, str] | None = None  # (variable, value): only when data[variable] == value

    def applies(self, data: dict) -> bool:
        """Whether the instance's data meets this notice's condition (always, without one)."""
        return self.when is None or str(data.get(self.when[0])) == self.when[1]


def parse_notices(text: str) -> list[Notice]:
    """The notices of a property's value; ValueError saying what is wrong."""
    notices = []
    for item in (part.strip() for part in (text or "").split(";")):
        if not item:
            continue
        found = _ITEM.match(item)
        if found is None:
            raise ValueError(f'"{item}" is not "notice", "notice: variable" or either with '
                             '"when variable=value"')
        name, variable = found["name"], found["variable"]
        if name not in NOTICES:
            raise ValueError(f'"{name}" is not a notice; use one of {", ".join(NOTICES)}')
        if NOTICES[name] and not variable:
            raise ValueError(f'"{name}" needs the variable it reads, e.g. "{name}: reply_text"')
        when = (found["when_var"], found["when_value"]) if found["when_var"] else None
        notices.append(Notice(name, variable, when))
    return notices
