"""Valid answers of the survey and poll forms, shared by the engine and the HTTP tests."""

SURVEY_PLAN = {
    "survey_title": "نظرسنجی رضایت از خدمات شهری منطقه — پاییز ۱۴۰۴",
    "survey_period": "quarterly", "start_date": "1404/07/01", "end_date": "1404/07/30",
    "target_group": "both", "channels": ["in_person", "district_office"],
    "sample_size": "۳۸۴", "survey_objectives": "سنجش رضایت از نظافت، روشنایی و فضای سبز",
}
PLAN_APPROVE = {"plan_decision": "approve", "return_reason": ""}
PLAN_RETURN = {"plan_decision": "return", "return_reason": "حجم نمونه برای هر دو گروه کافی نیست"}
CITIZEN_FORM = {
    "questionnaire_number": "۱۰۲", "completed_on": "1404/07/05", "age_group": "30_39",
    "gender": "female", "neighbourhood": "محله سعدی", "street_cleanliness": "4",
    "street_lighting": "2", "green_space": "5", "road_condition": "3", "traffic": "2",
    "staff_behaviour": "4", "response_time": "3", "public_information": "3",
    "overall_satisfaction": "4", "comments": "روشنایی کوچه‌های محله کافی نیست",
}
MAYOR_ACTION = {
    "corrective_action_needed": "yes", "action_unit": "اداره خدمات شهری",
    "mayor_orders": "ترمیم روشنایی معابر محله سعدی تا پایان ماه", "action_deadline": "1450/08/30",
}
MAYOR_NO_ACTION = {"corrective_action_needed": "no", "action_unit": "", "mayor_orders": "",
                   "action_deadline": ""}
CORRECTIVE_ACTION = {
    "root_cause": "فرسودگی چراغ‌ها", "actions_taken": "۴۰ چراغ معابر تعویض شد",
    "action_status": "completed", "action_completed_on": "1404/08/20",
}
SURVEY_FOLLOWUP = {"followup_result": "effective", "followed_up_on": "1404/08/25",
                   "followup_notes": "در بازدید میدانی تأیید شد"}
POLL_APPROVE = {"poll_plan_decision": "approve", "return_reason": ""}
# The plan's questions (F-04): one of each kind; the answer form asks them in `poll_answers`.
POLL_QUESTIONS = [
    {"question": "آیا با پیاده‌راه‌سازی خیابان زند موافقید؟", "kind": "choice",
     "options": "موافقم\nمخالفم\nنظری ندارم"},
    {"question": "پیاده‌راه تا چه اندازه به رفت‌وآمد شما کمک می‌کند؟", "kind": "scale", "options": ""},
    {"question": "مهم‌ترین نگرانی شما چیست؟", "kind": "text", "options": ""},
]
POLL_ANSWER = {
    "questionnaire_number": "۱۷", "respondent_type": "business", "age_group": "40_49",
    "gender": "male", "neighbourhood": "محله زند",
    "poll_answers": {"q1": "o1", "q2": "4", "q3": "پارکینگ کسبه پیش‌بینی شود"},
}
POLL_SUMMARY = {"findings": "بیشتر پاسخ‌دهندگان با پیاده‌راه موافق‌اند",
                "conclusions": "نگرانی اصلی، پارکینگ کسبه است",
                "recommendations": "پیش‌بینی پارکینگ جایگزین پیش از اجرا"}
POLL_REPORT = {"report_received_on": "1404/08/20", "unit_action": "مطالعه پارکینگ جایگزین آغاز شد",
               "action_plan": "ارائه گزینه‌ها تا پایان آذر", "action_owner": "معاون حمل‌ونقل"}
POLL_FILING = {"filed_on": "1404/08/25", "archive_reference": "۲۳۴/ر", "filing_notes": ""}
POLL_PLAN = {
    "poll_subject": "طرح پیاده‌راه‌سازی خیابان زند", "concerned_unit": "اداره حمل‌ونقل و ترافیک",
    "poll_objectives": "سنجش دیدگاه ساکنان و کسبه درباره پیاده‌راه", "poll_questions":
    POLL_QUESTIONS, "poll_method": "questionnaire_in_person",
    "target_population": "ساکنان و کسبه محدوده خیابان زند", "sampling_method": "stratified",
    "sample_size": "250", "start_date": "1404/08/01", "end_date": "1404/08/15",
    "estimated_cost": "۱۵۰,۰۰۰,۰۰۰",
}
POLL_RETURN = {"poll_plan_decision": "return", "return_reason": "کسبه محدوده را هم در نمونه بگنجانید"}
POLL_FIELDWORK = {"fieldwork_start": "1404/08/02", "fieldwork_end": "1404/08/14",
                  "method_used": "questionnaire_in_person",
                  "fieldwork_report": "پرسشنامه‌ها در سه نوبت در محدوده تکمیل شد",
                  "fieldwork_issues": ""}
