"""What the complaints tests share: the diagram file, its forms folder and its user tasks."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BPMN_FILE = ROOT / "processes" / "complaints.bpmn"
FORMS_DIR = ROOT / "forms"
PROCESS_ID = "complaints"

# user task id -> (lane, formKey, dueInWorkingDays or None)
EXPECTED_USER_TASKS = {
    "Task_register_complaint": ("کارشناس روابط عمومی", "complaint_register", None),
    "Task_examine_service_complaint": ("کارشناس روابط عمومی", "complaint_examination", "10"),
    "Task_examine_employee_complaint": ("کارشناس پاسخگویی به شکایات", "complaint_examination", "10"),
    "Task_followup_overdue_service": ("شهردار منطقه", "complaint_overdue", None),
    "Task_followup_overdue_employee": ("شهردار منطقه", "complaint_overdue", None),
    "Task_review_answer": ("مسئول روابط عمومی", "complaint_review", None),
    "Task_announce_result": ("کارشناس روابط عمومی", "complaint_announcement", None),
}
