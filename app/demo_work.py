"""Demo work in progress: instances of every procedure of processes/, driven through the engine
as the demo users, so that each of them finds real work on first login (`flask setup`).

Each case is run step by step "in the past" on the clock of this context only
(models.clock.context_moments): a complaint registered twelve working days ago is registered
at that moment, and its deadline timer fires through the engine's timer API once the clock has
passed it, so due dates, escalations and the event chains are what the real steps would have
left. Moments are counted back from now on the district's working calendar, so the demo looks
the same whatever the day: some tasks due today, some overdue, a 137 message escalated.

Idempotent: a case whose instance (by process and title), meeting (by date) or draft (by
title) exists is skipped, so `make run` twice adds nothing.
"""
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, select

from engine import complete_task, fire_next_due_timers, start_instance
from models import DraftComment, DraftRegulation, HumanTask, Instance, ProcessVersion, Timer, clock
from models.mardom_salam import MardomSalamMeeting
from people.accounts import find_district, find_user
from programmes.citizens.requests import SERVICES_BY_CODE, file_request
from programmes.drafts.comments import add_comment, moderate, publish_draft
from programmes.mardom_salam import requests as salam_requests
from programmes.mardom_salam.council import start_due_council
from programmes.mardom_salam.schedule import (DEFAULT_FIRST_DATE, DEFAULT_TIME, create_meeting,
                                              parse_first_date, parse_time, system_actor)
from workcal import jalali
from workcal.calendar import is_working_day
from workcal.store import calendar_for, zone_of

from .demo import DEMO_DISTRICTS


class _Demo:
    """The steps of the demo cases, each at a moment of this context's clock."""

    def __init__(self, session, set_moment, now: datetime, first_date: str, time_of_day: str):
        self.session, self.set_moment, self.now = session, set_moment, now  # now: naive UTC
        self.first_date, self.time_of_day = first_date, time_of_day  # the Mardom Salam series
        self.tz = zone_of(session)
        self.today = jalali.local_date(now, self.tz)
        self.cases = 0

    # ---------------------------------------------------------------- time

    def user(self, username):
        return find_user(self.session, username)

    def district(self, code):
        return find_district(self.session, code)

    def day_back(self, working_days: int, code: str = "d1") -> date:
        """The local date that many working days before today (0: today, whatever it is)."""
        cal = calendar_for(self.session, self.district(code).id)
        day, counted = self.today, 0
        while counted < working_days:
            day -= timedelta(days=1)
            if is_working_day(cal, day):
                counted += 1
        return day

    def moment(self, working_days: int, at: str, code: str = "d1") -> datetime:
        """Naive UTC of a local time on the day `working_days` back, never later than a minute ago."""
        day = self.day_back(working_days, code)
        moment = jalali.utc_of(day, parse_time(at), self.tz)
        return min(moment, self.now - timedelta(minutes=1))

    def at(self, moment: datetime) -> None:
        """Move this context's clock to moment, firing on the way what fell due by then."""
        self.fire_due(moment)

    def fire_due(self, moment: datetime) -> None:
        """Fire the timers due by moment, each at its own due time (a punctual scheduler)."""
        while True:
            due = self.session.scalar(select(func.min(Timer.due_at)).where(
                Timer.status == "waiting", Timer.due_at <= moment))
            if due is None:
                break
            self.set_moment(due)
            fire_next_due_timers(self.session, now=due)
        self.set_moment(moment)

    def iso(self, days_from_today: int) -> str:
        return (self.today + timedelta(days=days_from_today)).isoformat()

    def letter_number(self, prefix: str) -> str:
        """A letter number of this Solar Hijri year, e.g. ۲۴۵/خ/۱۴۰۵."""
        return f"{prefix}/{jalali.to_persian_digits(jalali.solar_parts(self.today)[0])}"

    # ---------------------------------------------------------------- steps

    def exists(self, process_key: str, title: str) -> bool:
        return self.session.scalar(select(Instance.id).where(
            Instance.process_key == process_key, Instance.title == title).limit(1)) is not None

    def start(self, key, username, code, title, data=None) -> Instance | None:
        """A new case, or None when it was loaded before."""
        if self.exists(key, title):
            return None
        self.cases += 1
        return start_instance(self.session, key, self.user(username), self.district(code).id,
                              data, title=title)

    def file(self, service_code, code, fields) -> Instance | None:
        """A citizen's request filed on the portal, or None when it was loaded before."""
        title = f"{SERVICES_BY_CODE[service_code].name_fa}: {fields['description'][:80]}"
        if self.exists(SERVICES_BY_CODE[service_code].process_key, title):
            return None
        self.cases += 1
        request, _ = file_request(self.session, {"service_code": service_code, **fields}, code)
        return request.instance

    def do(self, instance, task_spec, username, data=None, nth: int = 0) -> HumanTask:
        """Complete the open task of this element (the nth one of a multi-instance) as username."""
        rows = self.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.task_spec == task_spec,
            HumanTask.status == "ready").order_by(HumanTask.id)).all()
        if len(rows) <= nth:
            raise LookupError(f"demo: no open {task_spec} in {instance.process_key} "
                              f"(open: {[t.task_spec for t in self.open(instance)]})")
        return complete_task(self.session, rows[nth].id, self.user(username), data or {})

    def open(self, instance) -> list[HumanTask]:
        return list(self.session.scalars(select(HumanTask).where(
            HumanTask.instance_id == instance.id, HumanTask.status == "ready")))


# ==================================================================== the 137 message cycle

def _messages_137(demo: _Demo) -> None:
    cases = [
        # (district, title, intake, what happens after the referral)
        ("d1", "۱۳۷: انباشت زباله در کوچه شهید رحیمی", {
            "channel": "phone", "category": "service",
            "description": "سه روز است که زباله‌های کوچه شهید رحیمی جمع‌آوری نشده و بوی نامطبوع همه جا را گرفته است.",
            "location": "خیابان آزادی، کوچه شهید رحیمی، پلاک ۱۴", "citizen_name": "زهرا کریمی",
            "citizen_phone": "09121112233"}, "escalated"),
        ("d2", "۱۳۷: ساخت‌وساز بدون پروانه در خیابان لاله", {
            "channel": "app", "category": "urban_planning",
            "description": "در زمین خالی انتهای خیابان لاله بدون نصب تابلوی پروانه ساختمانی، گودبرداری شروع شده است.",
            "location": "خیابان لاله، نبش کوچه نهم", "citizen_name": "حمید صادقی",
            "citizen_phone": "09352223344"}, "escalated"),
        ("d1", "۱۳۷: چراغ‌های خاموش پارک محله", {
            "channel": "web", "category": "technical",
            "description": "نیمی از چراغ‌های پارک محله شب‌ها خاموش است و عبور از پارک ناامن شده است.",
            "location": "بوستان لاله، ضلع شمالی", "citizen_name": "مریم احمدی",
            "citizen_phone": "09123456789"}, "feedback"),
        ("d2", "۱۳۷: چاله بزرگ در خیابان سعدی", {
            "channel": "phone", "category": "technical",
            "description": "چاله بزرگی وسط خیابان سعدی ایجاد شده و چند خودرو آسیب دیده‌اند.",
            "location": "خیابان سعدی، روبه‌روی بانک ملت", "citizen_name": "رضا موسوی",
            "citizen_phone": "09191234567"}, "feedback"),
        ("d1", "۱۳۷: آب‌گرفتگی زیرگذر میدان امام", {
            "channel": "phone", "category": "service",
            "description": "با هر بارندگی زیرگذر میدان امام آب می‌گیرد و عبور پیاده ممکن نیست.",
            "location": "زیرگذر میدان امام", "citizen_name": "علی نوری",
            "citizen_phone": "09131239876"}, "investigation"),
        ("d2", "۱۳۷: قطع درختان بلوار کشاورز", {
            "channel": "in_person", "category": "service",
            "description": "چند درخت چنار بلوار کشاورز شب گذشته قطع شده است؛ لطفاً پیگیری کنید.",
            "location": "بلوار کشاورز، حدفاصل خیابان دوم و سوم", "citizen_name": "فاطمه رستمی",
            "citizen_phone": "09171112299"}, "investigation"),
        ("d2", "۱۳۷: نشت فاضلاب در کوچه گلستان", {
            "channel": "phone", "category": "technical",
            "description": "از دیروز فاضلاب از دریچه کوچه گلستان بیرون می‌زند.",
            "location": "کوچه گلستان، پلاک ۳", "citizen_name": "سعید اکبری",
            "citizen_phone": "09126665544"}, "referred"),
    ]
    for code, title, intake, stage in cases:
        back = {"escalated": 15, "feedback": 3, "investigation": 4, "referred": 0}[stage]
        demo.at(demo.moment(back, "08:40", code) if back else demo.now - timedelta(minutes=50))
        instance = demo.start("citizen_message_137", f"intake_operator_{code}", code, title)
        if instance is None:
            continue
        demo.do(instance, "Task_register_message", f"intake_operator_{code}",
                {**intake, "outcome": "referred"})
        if stage in ("escalated", "referred"):
            continue  # the escalation timers fire later, when the clock passes them
        demo.at(demo.moment(back - 1, "11:15", code))
        demo.do(instance, "Task_executive_reply", f"department_head_{code}", {"reply_text": {
            "d1": "کارشناسان واحد اجرایی محل را بازدید کردند و کار در همان روز انجام شد.",
            "d2": "اکیپ واحد اجرایی اعزام شد و موضوع برطرف گردید؛ گزارش تصویری در پرونده است."}[code]})
        if stage == "investigation":
            demo.at(demo.moment(back - 2, "10:00", code))
            demo.do(instance, "Task_feedback_call", f"feedback_unit_{code}", {
                "satisfied": "no",
                "feedback_note": "شهروند می‌گوید مشکل فقط موقتاً برطرف شده و دوباره تکرار شده است."})
    # Messages citizens sent on the portal this morning, for the operators to register.
    for code, service, fields in (
            ("d1", "service", {
                "description": "گروهی از سگ‌های بلاتکلیف صبح‌ها در بوستان شقایق برای کودکان مزاحمت ایجاد می‌کنند.",
                "address": "بوستان شقایق، ورودی خیابان نهم", "contact_name": "نرگس طاهری",
                "contact_phone": "09384445566"}),
            ("d2", "technical", {
                "description": "سرعت خودروها جلوی دبستان فردوسی زیاد است؛ لطفاً سرعت‌گیر و خط‌کشی عابر پیاده نصب شود.",
                "address": "خیابان مطهری، روبه‌روی دبستان فردوسی", "contact_name": "بهاره یزدانی",
                "contact_phone": "09106667788"})):
        demo.at(demo.now - timedelta(minutes=45))
        demo.file(service, code, fields)


# ==================================================================== complaints

_COMPLAINTS = {
    "review": ("d1", "complaint_service", {
        "description": "با وجود چند بار تماس، سطل‌های زباله مخزنی کوچه ما یک هفته است که تخلیه نشده‌اند.",
        "address": "خیابان ولیعصر، کوچه بهار، پلاک ۲۲", "contact_name": "محمد جعفری",
        "contact_phone": "09121234567"}),
    "due_today": ("d1", "complaint_employee", {
        "description": "کارمند باجه پروانه‌های ساختمانی بدون دلیل پرونده مرا نپذیرفت و برخورد نامناسبی داشت.",
        "address": "ساختمان مرکزی شهرداری منطقه، طبقه اول", "contact_name": "پروین عباسی",
        "contact_phone": "09359876543"}),
    "overdue": ("d2", "complaint_employee", {
        "description": "مأمور پارکبان در خیابان فردوسی برای پارک کوتاه‌مدت مبلغی بیش از تعرفه دریافت کرد.",
        "address": "خیابان فردوسی، مقابل پاساژ نور", "contact_name": "کامران شریفی",
        "contact_phone": "09127654321"}),
    "new_d2": ("d2", "complaint_service", {
        "description": "پیاده‌روی خیابان مطهری پس از حفاری لوله‌کشی گاز رها شده و برای سالمندان خطرناک است.",
        "address": "خیابان مطهری، نرسیده به چهارراه شریعتی", "contact_name": "لیلا منصوری",
        "contact_phone": "09154443322"}),
    "new_d1": ("d1", "complaint_service", {
        "description": "نیمکت‌ها و وسایل بازی بوستان کودک شکسته و ماه‌هاست تعمیر نشده است.",
        "address": "بوستان کودک، خیابان سوم", "contact_name": "امیر حسینی",
        "contact_phone": "09108887766"}),
}


def _complaint_register_data(fields, kind, channel="website"):
    return {"complainant_name": fields["contact_name"], "phone": fields["contact_phone"],
            "channel": channel, "subject": fields["description"].split("،")[0][:120],
            "complaint_type": kind, "description": fields["description"], "address": fields["address"]}


def _complaints(demo: _Demo) -> None:
    for case, (code, service, fields) in _COMPLAINTS.items():
        kind = service.removeprefix("complaint_")
        examiner = "pr_expert" if kind == "service" else "complaints_expert"
        exam_task = "Task_examine_service_complaint" if kind == "service" else "Task_examine_employee_complaint"
        if case == "due_today":
            # Registered ten working days ago, later in the day than now: due today. On a day
            # off no working-day deadline falls today (tonight's Mardom Salam briefing does):
            # nine working days ago, due the next working day.
            working = is_working_day(calendar_for(demo.session, demo.district(code).id), demo.today)
            hour = min(max(jalali.local_time(demo.now, demo.tz).hour + 1, 8), 14) if working else 10
            registered = demo.moment(10 if working else 9, f"{hour}:00", code)
            filed = registered - timedelta(minutes=30)
        else:
            back = {"review": 6, "overdue": 13, "new_d2": 0, "new_d1": 0}[case]
            filed = demo.moment(back, "09:10", code) if back else demo.now - timedelta(hours=2)
            registered = filed + timedelta(minutes=40)
        demo.at(filed)
        instance = demo.file(service, code, fields)
        if instance is None or case.startswith("new"):
            continue
        demo.at(registered)
        demo.do(instance, "Task_register_complaint", f"pr_expert_{code}",
                _complaint_register_data(fields, kind))
        if case != "review":
            continue
        demo.at(demo.moment(2, "10:30", code))
        demo.do(instance, exam_task, f"{examiner}_{code}", {
            "findings": "بازدید میدانی انجام شد: پیمانکار خدمات شهری به دلیل خرابی خودروی حمل پسماند، "
                        "تخلیه مخزن‌های این کوچه را چهار روز به تعویق انداخته بود.",
            "justified": "yes",
            "actions_taken": "به پیمانکار تذکر کتبی داده شد و مخزن‌ها همان روز تخلیه شدند.",
            "answer_text": "شهروند گرامی، شکایت شما بررسی و وارد تشخیص داده شد. مخزن‌های کوچه تخلیه شد "
                           "و برنامه جمع‌آوری به روال عادی بازگشت. از اطلاع‌رسانی شما سپاسگزاریم."})


# ==================================================================== citizen survey

_CITIZEN_ANSWERS = [
    {"age_group": "30_39", "gender": "female", "neighbourhood": "امیرآباد", "scores": "43534344",
     "comments": "روشنایی کوچه‌ها بهتر شده اما آسفالت خیابان اصلی خراب است."},
    {"age_group": "50_59", "gender": "male", "neighbourhood": "یوسف‌آباد", "scores": "34423233",
     "comments": "پیاده‌روها برای سالمندان مناسب نیست."},
    {"age_group": "20_29", "gender": "female", "neighbourhood": "امیرآباد", "scores": "55445454",
     "comments": ""},
]
_CITIZEN_QUESTIONS = ("street_cleanliness", "street_lighting", "green_space", "road_condition",
                      "traffic", "staff_behaviour", "response_time", "public_information")


def _survey_plan(demo: _Demo, title: str) -> dict:
    return {"survey_title": title, "survey_period": "quarterly", "start_date": demo.iso(-7),
            "end_date": demo.iso(14), "target_group": "both", "channels": ["in_person", "district_office"], "sample_size": 120,
            "survey_objectives": "سنجش رضایت شهروندان و مراجعان از خدمات شهری و برخورد کارکنان در این فصل."}


def _citizen_survey(demo: _Demo) -> None:
    for code, title, stage in (("d1", "نظرسنجی فصلی رضایت شهروندان", "mayor"),
                               ("d2", "نظرسنجی فصلی رضایت مراجعان دفتر خدمات", "collecting"),
                               ("d1", "نظرسنجی کیفیت خدمات بوستان‌ها", "review")):
        demo.at(demo.moment(9, "09:00", code))
        instance = demo.start("citizen_survey", f"pr_expert_{code}", code, title)
        if instance is None:
            continue
        if stage == "review":
            demo.at(demo.moment(1, "09:30", code))
        demo.do(instance, "Task_plan_survey", f"pr_expert_{code}",
                _survey_plan(demo, title))
        if stage == "review":
            continue
        demo.at(demo.moment(8, "12:00", code))
        demo.do(instance, "Task_review_survey_plan", f"pr_head_{code}",
                {"plan_decision": "approve", "return_reason": "با نمونه ۱۲۰ نفری موافقت می‌شود."})
        for n, answer in enumerate(_CITIZEN_ANSWERS, start=1):
            demo.at(demo.moment(7 - n, "10:00", code))
            demo.do(instance, "Task_collect_survey_forms", f"pr_expert_{code}", {"next_form": "citizen"})
            demo.do(instance, "Task_enter_citizen_survey", f"pr_expert_{code}", {
                "questionnaire_number": f"{code.upper()}-{n:03d}", "completed_on": demo.iso(-8 + n),
                "age_group": answer["age_group"], "gender": answer["gender"],
                "neighbourhood": answer["neighbourhood"], "comments": answer["comments"],
                **dict(zip(_CITIZEN_QUESTIONS, answer["scores"])),
                "overall_satisfaction": answer["scores"][0]})
        demo.at(demo.moment(3, "11:00", code))
        demo.do(instance, "Task_collect_survey_forms", f"pr_expert_{code}", {"next_form": "visitor"})
        demo.do(instance, "Task_enter_visitor_survey", f"pr_expert_{code}", {
            "questionnaire_number": f"{code.upper()}-V01", "visit_date": demo.iso(-4),
            "visit_purpose": "building_permit", "unit_visited": "اداره شهرسازی",
            "visit_count": "second", "age_group": "40_49", "gender": "male", "neighbourhood": "",
            "staff_behaviour": "4", "staff_competence": "3", "guidance": "3", "waiting_time": "2",
            "response_time": "2", "fee_transparency": "3", "facilities": "4",
            "overall_satisfaction": "3", "comments": "نوبت‌دهی طولانی است."})
        if stage == "collecting":
            continue
        demo.at(demo.moment(2, "10:00", code))
        demo.do(instance, "Task_collect_survey_forms", f"pr_expert_{code}", {"next_form": "finished"})
        demo.do(instance, "Task_prepare_survey_summary", f"pr_expert_{code}", {
            "analysis": "رضایت از نظافت و روشنایی بالای میانگین است؛ وضعیت آسفالت و پیاده‌روها "
                        "و مدت انتظار مراجعان کمترین امتیاز را گرفته است.",
            "strengths": "نظافت معابر، برخورد کارکنان",
            "improvement_areas": "آسفالت معابر، مناسب‌سازی پیاده‌روها، نوبت‌دهی دفتر خدمات",
            "suggestions": "اجرای طرح لکه‌گیری آسفالت پیش از بارش‌ها و راه‌اندازی نوبت‌دهی اینترنتی.",
            "fieldwork_notes": "بخشی از پرسشنامه‌ها به دلیل بارندگی با تأخیر تکمیل شد."})


# ==================================================================== opinion poll

_POLL_PLAN = {
    "poll_subject": "طرح پیاده‌راه‌سازی خیابان فردوسی",
    "concerned_unit": "معاونت حمل‌ونقل و ترافیک",
    "poll_objectives": "سنجش نظر ساکنان و کسبه پیش از اجرای آزمایشی طرح پیاده‌راه در بافت مرکزی منطقه.",
    "poll_questions": "۱. آیا با پیاده‌راه شدن خیابان فردوسی موافقید؟\n"
                      "۲. مهم‌ترین نگرانی شما درباره این طرح چیست؟\n"
                      "۳. چه ساعاتی برای ورود خودروهای خدماتی مناسب است؟",
    "poll_method": "questionnaire_in_person", "target_population": "ساکنان و کسبه خیابان فردوسی و کوچه‌های مجاور",
    "sampling_method": "stratified", "sample_size": 300, "estimated_cost": 45000000,
}


def _opinion_poll(demo: _Demo) -> None:
    for code, title, stage in (("d1", "افکارسنجی: پیاده‌راه‌سازی خیابان فردوسی", "approval"),
                               ("d2", "افکارسنجی: ساعت کار بازارچه محلی", "collecting")):
        demo.at(demo.moment(6 if stage == "collecting" else 2, "09:00", code))
        instance = demo.start("opinion_poll", f"pr_expert_{code}", code, title)
        if instance is None:
            continue
        plan = dict(_POLL_PLAN, start_date=demo.iso(3), end_date=demo.iso(20))
        if code == "d2":
            plan.update(poll_subject="ساعت کار بازارچه محلی", concerned_unit="اداره خدمات شهری",
                        poll_questions="۱. بازارچه در چه ساعاتی باز باشد؟\n۲. آیا جمعه‌ها هم باز باشد؟",
                        start_date=demo.iso(-3), end_date=demo.iso(10), sample_size=150)
        demo.do(instance, "Task_prepare_poll_plan", f"pr_expert_{code}", plan)
        if stage == "approval":
            continue
        demo.at(demo.moment(5, "12:00", code))
        demo.do(instance, "Task_approve_poll_plan", f"district_mayor_{code}",
                {"poll_plan_decision": "approve", "return_reason": ""})
        for n, (kind, age, support) in enumerate((("resident", "30_39", "agree"),
                                                  ("business", "40_49", "disagree"),
                                                  ("resident", "60_plus", "agree")), start=1):
            demo.at(demo.moment(4 - n, "10:00", code))
            demo.do(instance, "Task_collect_poll_answers", f"pr_expert_{code}", {"next_poll_step": "answer"})
            demo.do(instance, "Task_enter_poll_answer", f"pr_expert_{code}", {
                "questionnaire_number": f"P-{n:03d}", "respondent_type": kind, "age_group": age,
                "gender": "female" if n % 2 else "male", "neighbourhood": "محله بازار",
                "topic_importance": "4", "current_situation": "2", "support_plan": support,
                "budget_priority": "agree", "enough_information": "disagree",
                "poll_comment": "ساعت کار تا ۲۲ باشد." if n == 1 else ""})


# ==================================================================== public meetings

_MEETING_REQUEST = {
    "applicant_name": "حسن قاسمی", "phone": "09121239999", "national_id": "",
    "subject": "مشکل دفع آب‌های سطحی کوچه", "preferred_date": None,
    "description": "آب باران هر سال وارد زیرزمین خانه‌های کوچه می‌شود و درخواست دیدار حضوری با شهردار منطقه دارم.",
}


def _public_meetings(demo: _Demo) -> None:
    cases = (("d1", "دیدار مردمی: دفع آب‌های سطحی کوچه صنوبر", "office_list"),
             ("d2", "دیدار مردمی در مسجد جامع محله", "orders"),
             ("d2", "دیدار مردمی: تخریب بنای فرسوده", "applicant"))
    for code, title, stage in cases:
        demo.at(demo.moment({"office_list": 5, "orders": 8, "applicant": 1}[stage], "09:00", code))
        instance = demo.start("public_meetings", f"mayor_office_head_{code}", code, title)
        if instance is None:
            continue
        request = dict(_MEETING_REQUEST, preferred_date=demo.iso(3))
        if stage == "applicant":
            request.update(applicant_name="شهلا نیک‌نام", phone="09361112233",
                           subject="تخریب بنای فرسوده مجاور",
                           description="ساختمان متروکه کنار منزل ما در حال ریزش است و خطر جانی دارد.")
        demo.do(instance, "Task_register_request", f"mayor_office_head_{code}", request)
        if stage == "applicant":
            continue
        demo.do(instance, "Task_register_applicant", f"mayor_office_head_{code}", {
            "register_number": "۱۴۲", "registered_on": demo.iso(-5), "applicant_name": request["applicant_name"],
            "phone": request["phone"], "subject": request["subject"], "request_kind": "meeting",
            "register_note": ""})
        mosque = stage == "orders"
        demo.do(instance, "Task_schedule_meeting", f"mayor_office_head_{code}", {
            "venue": "mosque" if mosque else "office", "meeting_date": demo.iso(-4 if mosque else -1),
            "meeting_time": "18:30" if mosque else "10:00",
            "mosque_name": "مسجد جامع محله" if mosque else "", "applicant_informed": True,
            "schedule_note": ""})
        if not mosque:
            continue
        demo.at(demo.moment(4, "20:30", code))
        demo.do(instance, "Task_mosque_meeting_list", f"pr_expert_{code}", {
            "mosque_name": "مسجد جامع محله", "board_rep_name": "حاج محمود رضایی",
            "board_rep_phone": "09123330000", "meeting_date": demo.iso(-4),
            "requests": [
                {"applicant_name": "حسن قاسمی", "phone": "09121239999",
                 "subject": "آب‌گرفتگی کوچه صنوبر",
                 "mayor_order": "لایروبی کانال و اصلاح شیب کوچه تا پایان ماه", "unit": "اداره خدمات شهری"},
                {"applicant_name": "مینا فراهانی", "phone": "09127778888",
                 "subject": "نبود رمپ برای ویلچر در ورودی مسجد",
                 "mayor_order": "ساخت رمپ ورودی مسجد با هماهنگی هیأت امنا", "unit": "اداره فنی و عمرانی"},
                {"applicant_name": "جواد امینی", "phone": "", "subject": "تشکر از اجرای پارک محله",
                 "mayor_order": "", "unit": ""}]})


# ==================================================================== website update

def _website_update(demo: _Demo) -> None:
    cases = (("d1", "اطلاع‌رسانی: قطعی آب محله امیرآباد", "review"),
             ("d2", "اطلاع‌رسانی: آغاز ثبت‌نام کلاس‌های آموزشی فرهنگسرا", "check"))
    for code, title, stage in cases:
        demo.at(demo.moment(2, "09:20", code))
        instance = demo.start("website_update", f"pr_expert_{code}", code, title)
        if instance is None:
            continue
        request = {
            "requesting_unit": "اداره خدمات شهری" if code == "d1" else "فرهنگسرای منطقه",
            "request_letter_number": demo.letter_number("۲۴۵/خ"), "subject": title.split(": ", 1)[1],
            "message_text": ("به اطلاع شهروندان محترم محله امیرآباد می‌رساند به دلیل تعمیر خط اصلی، "
                             "آب این محله روز پنجشنبه از ساعت ۸ تا ۱۴ قطع خواهد بود.") if code == "d1" else
                            "ثبت‌نام کلاس‌های هنری و ورزشی فرهنگسرای منطقه از شنبه آغاز می‌شود.",
            "attachments_description": "نقشه محدوده قطعی" if code == "d1" else "پوستر کلاس‌ها",
            "desired_publication_date": demo.iso(1), "channels": ["website", "sms"]}
        demo.do(instance, "Task_register_inform_request", f"pr_expert_{code}", request)
        if stage == "review":
            continue
        demo.at(demo.moment(1, "10:00", code))
        demo.do(instance, "Task_review_inform_request", f"pr_head_{code}",
                {"review_decision": "approve", "review_reason": ""})
        demo.at(demo.moment(1, "12:30", code))
        demo.do(instance, "Task_publish_content", f"pr_expert_{code}", {
            "publication_url": "https://www.example.ir/d2/news/culture-classes",
            "published_on": demo.iso(-1), "published_time": "12:30",
            "published_channels": ["website", "sms"], "publication_note": ""})


# ==================================================================== press conference

def _press_conference(demo: _Demo) -> None:
    cases = (("d1", "نشست خبری: طرح‌های عمرانی نیمه دوم سال", "approval"),
             ("d2", "نشست خبری: گزارش عملکرد مدیریت بحران در بارندگی‌ها", "report_review"))
    for code, title, stage in cases:
        demo.at(demo.moment(7 if stage == "report_review" else 1, "09:00", code))
        instance = demo.start("press_conference", f"pr_head_{code}", code, title)
        if instance is None:
            continue
        demo.do(instance, "Task_schedule_conference", f"pr_head_{code}", {
            "conference_date": demo.iso(5 if stage == "approval" else -3), "conference_time": "10:00",
            "conference_place": "سالن اجتماعات شهرداری منطقه",
            "topics": title.split(": ", 1)[1] + "؛ پاسخ به پرسش‌های خبرنگاران",
            "schedule_note": "حضور معاونان فنی و خدمات شهری لازم است."})
        if stage == "approval":
            continue
        demo.at(demo.moment(6, "11:00", code))
        demo.do(instance, "Task_approve_schedule", f"district_mayor_{code}",
                {"schedule_decision": "approve", "schedule_decision_note": ""})
        demo.at(demo.moment(5, "09:00", code))
        demo.do(instance, "Task_send_invitation", f"pr_expert_{code}", {
            "invited_on": demo.iso(-6),
            "invitation_text": "از خبرنگاران محترم برای حضور در نشست خبری شهردار منطقه دعوت می‌شود.",
            "invited_media": [
                {"outlet": "خبرگزاری ایرنا", "reporter": "علی رضایی", "contact": "09121234500"},
                {"outlet": "روزنامه همشهری", "reporter": "سارا محمدی", "contact": "news@example.ir"}]})
        demo.at(demo.moment(3, "12:00", code))
        demo.do(instance, "Task_hold_conference", f"pr_head_{code}", {
            "held_on": demo.iso(-3), "held_place": "سالن اجتماعات شهرداری منطقه", "held_note": ""})
        demo.do(instance, "Task_record_attendance", f"pr_expert_{code}", {"attendees": [
            {"name": "علی رضایی", "outlet": "خبرگزاری ایرنا", "signature_received": True},
            {"name": "سارا محمدی", "outlet": "روزنامه همشهری", "signature_received": True}]})
        demo.at(demo.moment(2, "10:00", code))
        demo.do(instance, "Task_write_report", f"pr_expert_{code}", {
            "summary": "نشست با حضور ۹ خبرنگار برگزار شد و شهردار منطقه گزارش عملکرد ستاد بحران را ارائه کرد.",
            "questions_raised": "زمان پایان لایروبی مسیل‌ها؛ جبران خسارت کسبه",
            "commitments_made": "لایروبی مسیل شمالی تا پایان ماه؛ گزارش هفتگی به رسانه‌ها",
            "coverage_links": "https://www.example.ir/news/1\nhttps://www.example.ir/news/2"})


# ==================================================================== news

def _news(demo: _Demo) -> None:
    cases = (("d1", "خبر: افتتاح بوستان بانوان", "review"),
             ("d2", "خبر: بهره‌برداری از پل عابر پیاده", "rebuttal"),
             ("d1", "خبر: آغاز طرح لکه‌گیری آسفالت معابر", "monitoring"))
    for code, title, stage in cases:
        demo.at(demo.moment(5 if stage != "review" else 1, "09:00", code))
        instance = demo.start("news", f"pr_expert_{code}", code, title)
        if instance is None:
            continue
        headline = title.split(": ", 1)[1]
        demo.do(instance, "Task_prepare_news", f"pr_expert_{code}", {
            "headline": headline + " با حضور شهردار منطقه",
            "lead": f"{headline} امروز با حضور شهردار منطقه و اعضای شورای اسلامی شهر انجام شد.",
            "body": f"{headline} با اعتباری بالغ بر ۱۲ میلیارد ریال و در مدت شش ماه انجام شده است. "
                    "شهردار منطقه در این مراسم گفت این طرح بخشی از برنامه ارتقای کیفیت زندگی شهری است.",
            "source_unit": "معاونت فنی و عمرانی", "photos_description": "سه عکس از مراسم",
            "priority": "important"})
        if stage == "review":
            continue
        demo.at(demo.moment(4, "10:00", code))
        demo.do(instance, "Task_review_news", f"pr_head_{code}",
                {"news_decision": "approve", "news_review_reason": ""})
        demo.do(instance, "Task_release_news", f"pr_expert_{code}", {
            "channels": ["website", "press"], "released_on": demo.iso(-4), "released_time": "12:00",
            "release_url": "https://www.example.ir/news/footbridge"})
        if stage == "monitoring":
            continue
        demo.at(demo.moment(2, "11:00", code))
        demo.do(instance, "Task_monitor_press", f"pr_expert_{code}", {"coverage": [
            {"outlet": "روزنامه همشهری", "published_on": demo.iso(-3), "headline": headline,
             "accurate": "yes", "link": "https://www.example.ir/h/1"},
            {"outlet": "پایگاه خبری شهرآرا", "published_on": demo.iso(-3),
             "headline": "پل عابر پیاده هنوز نیمه‌کاره است", "accurate": "no",
             "link": "https://www.example.ir/s/2"}],
            "monitoring_note": "یک پایگاه خبری پل را نیمه‌کاره معرفی کرده است."})
        demo.do(instance, "Task_draft_rebuttal", f"pr_expert_{code}", {
            "outlet": "پایگاه خبری شهرآرا", "misreported_text": "پل عابر پیاده هنوز نیمه‌کاره است.",
            "correct_text": "پل عابر پیاده به طور کامل ساخته و از روز گذشته به بهره‌برداری رسیده است؛ "
                            "آسانسورهای آن نیز فعال است. خواهشمند است این جوابیه را منتشر فرمایید.",
            "letter_number": demo.letter_number("۵۸۲/ر"), "letter_date": demo.iso(-2)})


# ==================================================================== draft regulation

def _draft_regulation(demo: _Demo) -> None:
    drafts = (("d1", "دستورالعمل ساماندهی دستفروشان بافت مرکزی", 12, 7),
              ("d2", "شیوه‌نامه نصب تابلوهای تبلیغاتی در معابر", 3, 10))
    for code, title, days_ago, days in drafts:
        if demo.session.scalar(select(DraftRegulation.id).where(DraftRegulation.title == title)):
            continue
        demo.cases += 1
        published = demo.now - timedelta(days=days_ago, hours=3)
        demo.at(published)
        draft = publish_draft(
            demo.session, demo.user(f"pr_expert_{code}"), demo.district(code).id, title,
            "این پیش‌نویس برای دریافت نظر شهروندان و کسبه منتشر می‌شود.",
            "ماده ۱: دستفروشی در پیاده‌روهای با عرض کمتر از سه متر ممنوع است.\n\n"
            "ماده ۲: بازارچه‌های موقت با هماهنگی شهرداری منطقه در روزهای پنجشنبه برپا می‌شود.\n\n"
            "ماده ۳: متخلفان ابتدا تذکر کتبی می‌گیرند.", days=days)
        sections = sorted(draft.sections, key=lambda s: s.number)
        comments = [(1, "رضا بهرامی", "عرض سه متر برای خیابان‌های قدیمی زیاد است؛ دو متر پیشنهاد می‌شود."),
                    (2, "مهسا کاظمی", "بازارچه در روزهای جمعه هم برپا شود."),
                    (3, "ناشناس", "این ماده کافی نیست.")]
        for n, (number, name, text) in enumerate(comments if code == "d1" else comments[:1], start=1):
            demo.at(published + timedelta(days=n))
            add_comment(demo.session, draft, sections[number - 1].id, name, text)
        if code != "d1":
            continue
        demo.at(published + timedelta(days=5))
        for comment in demo.session.scalars(select(DraftComment).where(
                DraftComment.draft_id == draft.id).order_by(DraftComment.id)):
            rejected = comment.author_name == "ناشناس"
            moderate(demo.session, demo.user(f"pr_head_{code}"), draft, comment.id,
                     "rejected" if rejected else "approved",
                     "بدون پیشنهاد مشخص" if rejected else "")
        # The comment period's timer opens the review once the clock has passed it.
        demo.at(draft.closes_at + timedelta(minutes=1))


# ==================================================================== Mardom Salam

def _district_in_turn(demo: _Demo, day: date, anchor: date):
    """The demo district whose turn the date is (the schedule's rotation, over the demo's districts)."""
    codes = sorted(code for code, _, _ in DEMO_DISTRICTS)
    return demo.district(codes[((day - anchor).days // 14) % len(codes)])


def _mardom_salam(demo: _Demo) -> None:
    anchor, at = parse_first_date(demo.first_date), parse_time(demo.time_of_day)
    # The two meetings of the series before today, and tonight's when today has no working time.
    last = anchor + timedelta(days=14 * ((demo.today - timedelta(days=1) - anchor).days // 14))
    meetings = [(last - timedelta(days=14), "letter_sent"), (last, "held")]
    cal = calendar_for(demo.session, demo.district("d1").id)
    if not is_working_day(cal, demo.today):
        meetings.append((demo.today, "tonight"))
    for day, stage in meetings:
        if demo.session.scalar(select(MardomSalamMeeting.id).where(MardomSalamMeeting.meeting_date == day)):
            continue
        demo.cases += 1
        district = _district_in_turn(demo, day, anchor)
        code = district.code
        meeting_at = jalali.utc_of(day, at, demo.tz)
        demo.at(min(meeting_at - timedelta(days=9), demo.now - timedelta(hours=3)))
        meeting = create_meeting(demo.session, day, at, district, system_actor(demo.session))
        instance = meeting.instance
        mosque = {"d1": ("مسجد امام حسین (ع)", "خیابان آزادی، کوچه شهید بهشتی"),
                  "d2": ("مسجد جامع النبی", "بلوار کشاورز، نبش خیابان دوم")}[code]
        demo.at(min(meeting_at - timedelta(days=8), demo.now - timedelta(hours=2)))
        demo.do(instance, "Task_propose_mosque", f"district_mayor_{code}", {
            "mosque_name": mosque[0], "mosque_address": mosque[1],
            "proposal_reason": "گنجایش شبستان بیش از ۳۰۰ نفر، دسترسی آسان و پارکینگ عمومی در مجاورت."})
        demo.at(min(meeting_at - timedelta(days=7), demo.now - timedelta(hours=1)))
        demo.do(instance, "Task_check_mosque", "communications_office",
                {"mosque_approved": "yes", "review_reason": "مسجد با ضوابط برنامه مطابقت دارد."})
        if stage == "tonight":
            continue  # the briefing is due tonight, at the meeting
        demo.at(meeting_at - timedelta(hours=6))
        demo.do(instance, "Task_briefing", "communications_office", {
            "budget_approved": 8500, "projects_realised_percent": 62,
            "projects_progress": "پروژه‌های بوستان محله و آسفالت معابر اصلی تکمیل شده؛ "
                                 "پل عابر پیاده و ساماندهی مسیل در دست اجراست.",
            "mosque_aid": 350,
            "district_problems": "کمبود پارکینگ عمومی، فرسودگی شبکه آب‌های سطحی و ترافیک ساعات اوج."})
        demo.at(meeting_at + timedelta(minutes=60))
        for kind, name, phone, category, text in (
                ("137", "عباس زمانی", "09125550011", "technical",
                 "آسفالت کوچه‌های پشت مسجد پس از حفاری ترمیم نشده است."),
                ("desk", "معصومه قربانی", "09126660022", "service",
                 "درخواست کمک هزینه برای مناسب‌سازی منزل جانباز")):
            salam_requests.register_request(demo.session, meeting, demo.user("communications_office"), {
                "kind": kind, "citizen_name": name, "citizen_phone": phone, "category": category,
                "description": text, "location": mosque[1]})
        demo.at(meeting_at + timedelta(minutes=90))
        demo.do(instance, "Task_hold_meeting", "communications_office", {
            "attendance": 240, "meeting_notes": "دیدار با حضور حدود ۲۴۰ نفر برگزار شد و ۲ درخواست ثبت گردید."})
        if stage != "letter_sent":
            continue
        demo.at(meeting_at + timedelta(days=1, hours=-9))  # the next morning
        salam_requests.register_desk_requests(demo.session, meeting, demo.user("special_followup_officer"),
                                              "درخواست در میز خدمت ثبت و کد آن پیامک شد.")
        demo.at(meeting_at + timedelta(days=2, hours=-8))
        demo.do(instance, "Task_council_letter", f"district_mayor_{code}", {
            "letter_number": demo.letter_number("۷۳۱/ش"),
            "letter_summary": "جدول درخواست‌های دیدار مردم سلام همراه با پیشنهاد مسئول هر مورد ارسال شد."})


def _council(demo: _Demo) -> None:
    """This Solar Hijri month's policy council, started on the month's first day (once)."""
    year, month = jalali.solar_month_of(demo.today)
    first, _ = jalali.solar_month_bounds(year, month)
    demo.at(min(jalali.utc_of(first, time(8, 0), demo.tz), demo.now - timedelta(minutes=30)))
    if start_due_council(demo.session) is not None:
        demo.cases += 1


# ==================================================================== entry point

# Each procedure's cases, and the processes they need deployed.
_LOADERS = (
    (_messages_137, ("citizen_message_137",)),
    (_complaints, ("complaints",)),
    (_citizen_survey, ("citizen_survey",)),
    (_opinion_poll, ("opinion_poll",)),
    (_public_meetings, ("public_meetings",)),
    (_website_update, ("website_update",)),
    (_press_conference, ("press_conference",)),
    (_news, ("news",)),
    (_draft_regulation, ("draft_regulation",)),
    (_mardom_salam, ("mardom_salam", "citizen_message_137")),
    (_council, ("mardom_salam_council",)),
)


def load_demo_work(session, first_date: str = DEFAULT_FIRST_DATE,
                   time_of_day: str = DEFAULT_TIME) -> int:
    """Put work in progress into every procedure as the demo users; return how many cases were
    created (0 when they all exist). Needs the demo users; a procedure whose process is not
    deployed gets none. first_date, time_of_day: the Mardom Salam series
    (MARDOM_SALAM_FIRST_DATE, MARDOM_SALAM_TIME)."""
    deployed = set(session.scalars(select(ProcessVersion.process_key).distinct()))
    with clock.context_moments() as set_moment:
        demo = _Demo(session, set_moment, clock.utcnow(), first_date, time_of_day)
        for load, needs in _LOADERS:
            if deployed.issuperset(needs):
                load(demo)
        if demo.cases:
            # What fell due by now fires as the scheduler would on its first tick: the 137
            # escalations, the complaint and Mardom Salam deadlines.
            demo.at(demo.now)
    session.flush()
    return demo.cases
