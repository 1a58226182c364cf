"""Demo cases of the public-relations procedures: website updates, press conferences, news,
draft regulations, Mardom Salam and its council (app/demo_work.py)."""
from datetime import date, time, timedelta

from sqlalchemy import select

from models import DraftComment, DraftRegulation, clock
from models.mardom_salam import MardomSalamMeeting
from programmes.drafts.comments import add_comment, moderate, publish_draft
from programmes.mardom_salam import requests as salam_requests
from programmes.mardom_salam.council import start_due_council
from programmes.mardom_salam.schedule import create_meeting, parse_first_date, parse_time, system_actor
from workcal import jalali
from workcal.calendar import is_working_day
from workcal.store import calendar_for

from .demo import DEMO_DISTRICTS
from .demo_driver import DemoWork


# ==================================================================== website update

def load_website_update(demo: DemoWork) -> None:
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

def load_press_conference(demo: DemoWork) -> None:
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

def load_news(demo: DemoWork) -> None:
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

def load_draft_regulation(demo: DemoWork) -> None:
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

def _district_in_turn(demo: DemoWork, day: date, anchor: date):
    """The demo district whose turn the date is (the schedule's rotation, over the demo's districts)."""
    codes = sorted(code for code, _, _ in DEMO_DISTRICTS)
    return demo.district(codes[((day - anchor).days // 14) % len(codes)])


def load_mardom_salam(demo: DemoWork) -> None:
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


def load_council(demo: DemoWork) -> None:
    """This Solar Hijri month's policy council, started on the month's first day (once)."""
    year, month = jalali.solar_month_of(demo.today)
    first, _ = jalali.solar_month_bounds(year, month)
    demo.at(min(jalali.utc_of(first, time(8, 0), demo.tz), demo.now - timedelta(minutes=30)))
    if start_due_council(demo.session) is not None:
        demo.cases += 1
