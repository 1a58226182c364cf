"""What a district's 137 score holds (DistrictScore) and one late referral round (LateReply);
computed by programmes/messages137/scores.py."""
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class LateReply:
    """One referral round whose reply came, or is still due, after its due date."""
    instance_id: int
    tracking_code: str | None
    received_at: datetime
    due_at: datetime
    replied_at: datetime | None   # None: still open at as_of
    working_days_late: int

    @property
    def still_open(self) -> bool:
        """True when the reply had not come by as_of."""
        return self.replied_at is None


@dataclass
class DistrictScore:
    """The figures, score and rank of one district in one period."""
    district_id: int
    code: str
    name_fa: str
    name_en: str
    received: int = 0
    answered_on_spot: int = 0
    answered_on_time: int = 0
    answered_late: int = 0
    open: int = 0
    open_overdue: int = 0
    closed: int = 0
    median_hours_to_close: float | None = None
    feedback_calls: int = 0
    satisfied: int = 0
    working_days_late: int = 0
    within_sla: int = 0
    sla_judged: int = 0
    closed_within_3_days: int = 0
    close_judged: int = 0
    planned: int = 0
    determined_on_time: int = 0
    planned_done_on_date: int = 0
    planned_overdue: int = 0
    intake_overdue: int = 0
    score: float = 0.0
    rank: int = 0
    late_replies: list[LateReply] = field(default_factory=list, repr=False)

    @property
    def answered(self) -> int:
        """Messages answered by as_of (on the spot, on time or late)."""
        return self.answered_on_spot + self.answered_on_time + self.answered_late

    @property
    def on_time_rate(self) -> float | None:
        """Share of the answered messages answered on the spot or on time (None: none answered)."""
        return (self.answered_on_spot + self.answered_on_time) / self.answered if self.answered else None

    @property
    def sla_rate(self) -> float | None:
        """Share answered within the category's hours, of the messages that can be judged."""
        return self.within_sla / self.sla_judged if self.sla_judged else None

    @property
    def closed_3_days_rate(self) -> float | None:
        """Share closed within 3 days of receipt, of the messages that can be judged."""
        return self.closed_within_3_days / self.close_judged if self.close_judged else None

    @property
    def planned_on_date_rate(self) -> float | None:
        """Share of the planned works done on their planned date (None: none planned)."""
        return self.planned_done_on_date / self.planned if self.planned else None

    @property
    def satisfaction_rate(self) -> float | None:
        """Satisfied citizens / feedback calls (None: no call)."""
        return self.satisfied / self.feedback_calls if self.feedback_calls else None
