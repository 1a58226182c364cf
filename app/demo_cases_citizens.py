"""Demo cases of the citizens' procedures: 137 messages, complaints, surveys, polls, public
meetings (app/demo_work.py)."""
from datetime import timedelta

from models import clock
from workcal import jalali
from workcal.calendar import is_working_day
from workcal.store import calendar_for

from .demo_driver import DemoWork


# ==================================================================== the 137 message cycle

def load_messages_137(demo: DemoWork) -> None:
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


def load_complaints(demo: DemoWork) -> None:
    for case, (code, service, fields) in _COMPLAINTS.items():
        kind = service.removeprefix("complaint_")
        examiner = "pr_expert" if kind == "service" else "complaints_expert"
        exam_task = "Task_examine_service_complaint" if kind == "service" else "Task_examine_employee_complaint"
        if case == "due_today":
            # Filed ten working days ago, later in the day than now: due today (the deadline
            # counts from receipt). On a day off no working-day deadline falls today (tonight's
            # Mardom Salam briefing does): nine working days ago, due the next working day.
            working = is_working_day(calendar_for(demo.session, demo.district(code).id), demo.today)
            hour = min(max(jalali.local_time(demo.now, demo.tz).hour + 1, 8), 14) if working else 10
            filed = demo.moment(10 if working else 9, f"{hour}:00", code)
            registered = filed + timedelta(minutes=30)
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


def _survey_plan(demo: DemoWork, title: str) -> dict:
    return {"survey_title": title, "survey_period": "quarterly", "start_date": demo.iso(-7),
            "end_date": demo.iso(14), "target_group": "both", "channels": ["in_person", "district_office"], "sample_size": 120,
            "survey_objectives": "سنجش رضایت شهروندان و مراجعان از خدمات شهری و برخورد کارکنان در این فصل."}


def load_citizen_survey(demo: DemoWork) -> None:
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
    "poll_questions": [
        {"question": "آیا با پیاده‌راه شدن خیابان فردوسی موافقید؟", "kind": "choice",
         "options": "موافقم\nمخالفم\nنظری ندارم"},
        {"question": "مهم‌ترین نگرانی شما درباره این طرح چیست؟", "kind": "text", "options": ""},
        {"question": "چه ساعاتی برای ورود خودروهای خدماتی مناسب است؟", "kind": "choice",
         "options": "پیش از ساعت ۸ صبح\nپس از ساعت ۲۲\nهر دو"}],
    "poll_method": "questionnaire_in_person", "target_population": "ساکنان و کسبه خیابان فردوسی و کوچه‌های مجاور",
    "sampling_method": "stratified", "sample_size": 300, "estimated_cost": 45000000,
}


def load_opinion_poll(demo: DemoWork) -> None:
    for code, title, stage in (("d1", "افکارسنجی: پیاده‌راه‌سازی خیابان فردوسی", "approval"),
                               ("d2", "افکارسنجی: ساعت کار بازارچه محلی", "collecting")):
        demo.at(demo.moment(6 if stage == "collecting" else 2, "09:00", code))
        instance = demo.start("opinion_poll", f"pr_expert_{code}", code, title)
        if instance is None:
            continue
        plan = dict(_POLL_PLAN, start_date=demo.iso(3), end_date=demo.iso(20))
        if code == "d2":
            plan.update(poll_subject="ساعت کار بازارچه محلی", concerned_unit="اداره خدمات شهری",
                        poll_questions=[
                            {"question": "بازارچه در چه ساعاتی باز باشد؟", "kind": "choice",
                             "options": "۸ تا ۲۰\n۱۰ تا ۲۲\n۱۶ تا ۲۴"},
                            {"question": "باز بودن بازارچه در روزهای جمعه تا چه اندازه برای شما مهم است؟",
                             "kind": "scale", "options": ""},
                            {"question": "پیشنهاد دیگر شما درباره بازارچه", "kind": "text",
                             "options": ""}],
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
                "poll_answers": {"q1": "o2" if support == "agree" else "o1", "q2": str(2 + n),
                                 "q3": "ساعت کار تا ۲۲ باشد." if n == 1 else ""}})


# ==================================================================== public meetings

_MEETING_REQUEST = {
    "applicant_name": "حسن قاسمی", "phone": "09121239999", "national_id": "",
    "subject": "مشکل دفع آب‌های سطحی کوچه", "preferred_date": None,
    "description": "آب باران هر سال وارد زیرزمین خانه‌های کوچه می‌شود و درخواست دیدار حضوری با شهردار منطقه دارم.",
}


def load_public_meetings(demo: DemoWork) -> None:
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
