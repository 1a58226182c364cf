"""What the complaints tests share: the diagram file, its forms folder and its user tasks."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BPMN_FILE = ROOT / "processes" / "complaints.bpmn"
FORMS_DIR = ROOT / "forms"
PROCESS_ID = "complaints"

# The one deadline of a complaint (10 working days from receipt), in the task data.
ANSWER_DUE = "answer_due_at"

# user task id -> (lane, formKey, dueAtVariable or None)
EXPECTED_USER_TASKS = {
    "Task_register_complaint": ("کارشناس روابط عمومی", "complaint_register", ANSWER_DUE),
    "Task_examine_service_complaint": ("کارشناس روابط عمومی", "complaint_examination", ANSWER_DUE),
    "Task_examine_employee_complaint": ("کارشناس پاسخگویی به شکایات", "complaint_examination", ANSWER_DUE),
    "Task_review_answer": ("مسئول روابط عمومی", "complaint_review", ANSWER_DUE),
    "Task_announce_result": ("کارشناس روابط عمومی", "complaint_announcement", ANSWER_DUE),
    "Task_followup_overdue": ("شهردار منطقه", "complaint_overdue", None),
    "Task_carry_out_order": ("رئیس اداره", "complaint_order_report", "order_due_at"),
}
