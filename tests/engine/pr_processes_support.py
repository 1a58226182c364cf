"""What the PR-process tests share: the three diagrams of section 6-5 of P-__-0-2-01 (website
update, press conference, news), their user tasks, the data each form would send, and every path
through their gateways.

Used by test_pr_diagrams.py, test_pr_forms.py and test_pr_paths.py (and the replay tests).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from tests.diagram_conventions import FLOW_NODE_TAGS, NS

ROOT = Path(__file__).resolve().parents[2]
PROCESSES_DIR = ROOT / "processes"
FORMS_DIR = ROOT / "forms"

PR_EXPERT = "کارشناس روابط عمومی"
PR_HEAD = "مسئول روابط عمومی"
MAYOR = "شهردار منطقه"


@dataclass(frozen=True)
class ProcessSpec:
    process_id: str
    name: str
    lanes: dict[str, str]               # lane name -> role code
    user_tasks: dict[str, tuple[str, str]]  # user task id -> (lane name, formKey)
    end_events: frozenset[str]
    records: frozenset[str]             # register codes the process's forms produce

    @property
    def bpmn_file(self) -> Path:
        return PROCESSES_DIR / f"{self.process_id}.bpmn"


PROCESSES = {
    "website_update": ProcessSpec(
        "website_update", "به‌روزرسانی وب‌سایت",
        {PR_EXPERT: "pr_expert", PR_HEAD: "pr_head"},
        {
            "Task_register_inform_request": (PR_EXPERT, "inform_request"),
            "Task_review_inform_request": (PR_HEAD, "inform_review"),
            "Task_publish_content": (PR_EXPERT, "publication_record"),
            "Task_check_publication": (PR_HEAD, "publication_check"),
        },
        frozenset({"EndEvent_citizens_informed"}),
        frozenset({"F-__-0-2-17"}),
    ),
    "press_conference": ProcessSpec(
        "press_conference", "نشست خبری",
        {MAYOR: "district_mayor", PR_HEAD: "pr_head", PR_EXPERT: "pr_expert"},
        {
            "Task_schedule_conference": (PR_HEAD, "press_schedule"),
            "Task_approve_schedule": (MAYOR, "press_schedule_approval"),
            "Task_send_invitation": (PR_EXPERT, "press_invitation"),
            "Task_hold_conference": (PR_HEAD, "press_conference_held"),
            "Task_record_attendance": (PR_EXPERT, "press_attendance"),
            "Task_write_report": (PR_EXPERT, "press_report"),
            "Task_approve_report": (PR_HEAD, "press_report_review"),
        },
        frozenset({"EndEvent_press_conference_reported"}),
        frozenset({"F-__-0-2-10", "F-__-0-2-11", "F-__-0-2-12", "F-__-0-2-13"}),
    ),
    "news": ProcessSpec(
        "news", "تهیه و اعلام خبر",
        {PR_HEAD: "pr_head", PR_EXPERT: "pr_expert", MAYOR: "district_mayor"},
        {
            "Task_prepare_news": (PR_EXPERT, "news_preparation"),
            "Task_review_news": (PR_HEAD, "news_review"),
            "Task_release_news": (PR_EXPERT, "news_release"),
            "Task_monitor_press": (PR_EXPERT, "press_monitoring"),
            "Task_draft_rebuttal": (PR_EXPERT, "press_rebuttal"),
            "Task_sign_rebuttal": (MAYOR, "rebuttal_signoff"),
        },
        frozenset({"EndEvent_news_accurate", "EndEvent_rebuttal_sent"}),
        frozenset({"F-__-0-2-14", "F-__-0-2-15", "F-__-0-2-16"}),
    ),
}

# ---------------------------------------------------------------- what each form sends

INFORM_REQUEST = {
    "requesting_unit": "اداره خدمات شهری",
    "request_letter_number": "۱۲۳/خ",
    "subject": "قطعی آب در محله زرهی",
    "message_text": "به اطلاع شهروندان می‌رساند ...",
    "attachments_description": "یک تصویر از محدوده",
    "desired_publication_date": "1404/05/20",   # Solar Hijri, as Persian pages send it
    "channels": ["website", "sms"],
}
PUBLICATION = {"publication_url": "https://district3.example.ir/news/42",
               "published_on": "2025-08-12", "published_time": "09:30",
               "published_channels": ["website", "sms"], "publication_note": ""}
PRESS_SCHEDULE = {"conference_date": "2025-09-01", "conference_time": "10:00",
                  "conference_place": "سالن جلسات شهرداری منطقه", "topics": "طرح‌های عمرانی",
                  "schedule_note": ""}
PRESS_INVITATION = {
    "invited_on": "2025-08-25", "invitation_text": "از خبرنگاران محترم دعوت می‌شود ...",
    "invited_media": [
        {"outlet": "خبرگزاری ایرنا", "reporter": "علی رضایی", "contact": "09121234567"},
        {"outlet": "روزنامه عصر", "reporter": "", "contact": "news@example.ir"},
    ],
}
PRESS_HELD = {"held_on": "2025-09-01", "held_place": "سالن جلسات شهرداری منطقه", "held_note": ""}
PRESS_ATTENDANCE = {"attendees": [
    {"name": "علی رضایی", "outlet": "خبرگزاری ایرنا", "signature_received": True},
    {"name": "مریم کاظمی", "outlet": "روزنامه عصر", "signature_received": False},
]}
PRESS_REPORT = {"summary": "نشست با حضور ۱۲ خبرنگار برگزار شد.",
                "questions_raised": "زمان پایان پروژه", "commitments_made": "گزارش ماهانه",
                "coverage_links": "https://example.ir/a\nhttps://example.ir/b"}
NEWS = {"headline": "افتتاح بوستان محله", "lead": "بوستان محله امروز افتتاح شد.",
        "body": "متن کامل خبر", "source_unit": "معاونت فنی و عمرانی",
        "photos_description": "سه عکس از مراسم", "priority": "important"}
NEWS_RELEASE = {"channels": ["website", "press"], "released_on": "2025-08-12",
                "released_time": "12:00", "release_url": "https://district3.example.ir/news/43"}


def coverage_row(outlet: str, accurate: str) -> dict:
    return {"outlet": outlet, "published_on": "2025-08-13", "headline": "افتتاح بوستان",
            "accurate": accurate, "link": "https://example.ir/n/1"}


ACCURATE_COVERAGE = {"coverage": [coverage_row("روزنامه عصر", "yes"),
                                  coverage_row("خبرگزاری ایرنا", "yes")],
                     "monitoring_note": ""}
MISREPORTED_COVERAGE = {"coverage": [coverage_row("روزنامه عصر", "yes"),
                                     coverage_row("خبرگزاری ایرنا", "no")],
                        "monitoring_note": "یک رسانه تاریخ افتتاح را نادرست نوشته است."}
NO_COVERAGE = {"coverage": [], "monitoring_note": "بازتابی یافت نشد."}
REBUTTAL = {"outlet": "خبرگزاری ایرنا", "misreported_text": "بوستان سال آینده افتتاح می‌شود.",
            "correct_text": "بوستان امروز افتتاح شد.", "letter_number": "۴۵۶/ر",
            "letter_date": "2025-08-14"}


def decide(key: str, value: str, reason_key: str, reason: str = "") -> dict:
    return {key: value, reason_key: reason}


# ---------------------------------------------------------------- every path through every gateway

@dataclass(frozen=True)
class PathCase:
    """A run: the user tasks in order (each the only ready one), its end event, some counts."""
    steps: tuple[tuple[str, dict], ...]
    end_event: str
    counts: dict[str, int] = field(default_factory=dict)


REGISTER, REVIEW = ("Task_register_inform_request", INFORM_REQUEST), "Task_review_inform_request"
PUBLISH, CHECK = ("Task_publish_content", PUBLICATION), "Task_check_publication"
REVIEW_OK = (REVIEW, decide("review_decision", "approve", "review_reason"))
REVIEW_RETURN = (REVIEW, decide("review_decision", "return", "review_reason", "متن ناقص است"))
CHECK_OK = (CHECK, decide("check_result", "ok", "check_note"))
CHECK_FIX = (CHECK, decide("check_result", "fix", "check_note", "پیوند تصویر خراب است"))

SCHEDULE, APPROVE_SCHEDULE = ("Task_schedule_conference", PRESS_SCHEDULE), "Task_approve_schedule"
SCHEDULE_OK = (APPROVE_SCHEDULE, decide("schedule_decision", "approve", "schedule_decision_note"))
SCHEDULE_AGAIN = (APPROVE_SCHEDULE, decide("schedule_decision", "reschedule",
                                           "schedule_decision_note", "هفته بعد"))
INVITE = ("Task_send_invitation", PRESS_INVITATION)
HOLD = ("Task_hold_conference", PRESS_HELD)
ATTEND = ("Task_record_attendance", PRESS_ATTENDANCE)
REPORT, APPROVE_REPORT = ("Task_write_report", PRESS_REPORT), "Task_approve_report"
REPORT_OK = (APPROVE_REPORT, decide("report_decision", "approve", "report_review_reason"))
REPORT_RETURN = (APPROVE_REPORT, decide("report_decision", "return", "report_review_reason",
                                        "تعهدات کامل نیست"))

PREPARE, REVIEW_NEWS = ("Task_prepare_news", NEWS), "Task_review_news"
NEWS_OK = (REVIEW_NEWS, decide("news_decision", "approve", "news_review_reason"))
NEWS_RETURN = (REVIEW_NEWS, decide("news_decision", "return", "news_review_reason", "لید کوتاه شود"))
RELEASE = ("Task_release_news", NEWS_RELEASE)
MONITOR = "Task_monitor_press"
DRAFT, SIGN = ("Task_draft_rebuttal", REBUTTAL), "Task_sign_rebuttal"
SIGNED = (SIGN, decide("signoff_decision", "sign", "signoff_note"))
SIGN_RETURN = (SIGN, decide("signoff_decision", "return", "signoff_note", "لحن نامه اصلاح شود"))

PATHS: dict[str, dict[str, PathCase]] = {
    "website_update": {
        "approved_and_published": PathCase(
            (REGISTER, REVIEW_OK, PUBLISH, CHECK_OK), "EndEvent_citizens_informed"),
        "returned_to_requester_once": PathCase(
            (REGISTER, REVIEW_RETURN, REGISTER, REVIEW_OK, PUBLISH, CHECK_OK),
            "EndEvent_citizens_informed",
            {"Task_register_inform_request": 2, "Task_review_inform_request": 2}),
        "publication_fixed_once": PathCase(
            (REGISTER, REVIEW_OK, PUBLISH, CHECK_FIX, PUBLISH, CHECK_OK),
            "EndEvent_citizens_informed",
            {"Task_publish_content": 2, "Task_check_publication": 2}),
    },
    "press_conference": {
        "approved_held_and_reported": PathCase(
            (SCHEDULE, SCHEDULE_OK, INVITE, HOLD, ATTEND, REPORT, REPORT_OK),
            "EndEvent_press_conference_reported"),
        "rescheduled_once": PathCase(
            (SCHEDULE, SCHEDULE_AGAIN, SCHEDULE, SCHEDULE_OK, INVITE, HOLD, ATTEND, REPORT,
             REPORT_OK),
            "EndEvent_press_conference_reported",
            {"Task_schedule_conference": 2, "Task_approve_schedule": 2}),
        "report_returned_once": PathCase(
            (SCHEDULE, SCHEDULE_OK, INVITE, HOLD, ATTEND, REPORT, REPORT_RETURN, REPORT,
             REPORT_OK),
            "EndEvent_press_conference_reported",
            {"Task_write_report": 2, "Task_approve_report": 2}),
    },
    "news": {
        "released_and_accurately_covered": PathCase(
            (PREPARE, NEWS_OK, RELEASE, (MONITOR, ACCURATE_COVERAGE)), "EndEvent_news_accurate"),
        "released_without_coverage": PathCase(
            (PREPARE, NEWS_OK, RELEASE, (MONITOR, NO_COVERAGE)), "EndEvent_news_accurate"),
        "returned_for_correction_once": PathCase(
            (PREPARE, NEWS_RETURN, PREPARE, NEWS_OK, RELEASE, (MONITOR, ACCURATE_COVERAGE)),
            "EndEvent_news_accurate", {"Task_prepare_news": 2, "Task_review_news": 2}),
        "misreported_rebuttal_signed": PathCase(
            (PREPARE, NEWS_OK, RELEASE, (MONITOR, MISREPORTED_COVERAGE), DRAFT, SIGNED),
            "EndEvent_rebuttal_sent"),
        "rebuttal_returned_by_the_mayor_once": PathCase(
            (PREPARE, NEWS_OK, RELEASE, (MONITOR, MISREPORTED_COVERAGE), DRAFT, SIGN_RETURN,
             DRAFT, SIGNED),
            "EndEvent_rebuttal_sent", {"Task_draft_rebuttal": 2, "Task_sign_rebuttal": 2}),
    },
}

PROCESS_IDS = sorted(PROCESSES)


def tree_of(process_id: str):
    """The parsed BPMN file of the process."""
    return etree.parse(str(PROCESSES[process_id].bpmn_file))


def flow_nodes(process) -> list:
    """The flow nodes (tasks, events, gateways) of a bpmn:process element."""
    return [el for tag in FLOW_NODE_TAGS for el in process.iterfind(f"bpmn:{tag}", NS)]
