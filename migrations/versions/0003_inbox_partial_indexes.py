"""partial indexes over ready tasks in inbox order, one per way a task reaches an inbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 10:00:00

people.access.inbox_query reads one ordered range per role grant (and one for tasks assigned
to the user) and merges them. These indexes deliver each range already in inbox order; they
replace ix_human_tasks_inbox, whose leading status column and missing order columns made the
city-wide inbox sort every ready task of the city (bench/inbox_at_scale.py, bench/README.md).
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None

READY = sa.text("status = 'ready'")
INDEXES = {
    "ix_human_tasks_ready_role_district": ["role", "district_id", "due_at", "created_at", "id"],
    "ix_human_tasks_ready_role": ["role", "due_at", "created_at", "id"],
    "ix_human_tasks_ready_assignee": ["assignee_id", "due_at", "created_at", "id"],
}


def upgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "human_tasks", columns, postgresql_where=READY, sqlite_where=READY)
    op.drop_index("ix_human_tasks_inbox", table_name="human_tasks")


def downgrade() -> None:
    op.create_index("ix_human_tasks_inbox", "human_tasks", ["status", "role", "district_id", "due_at"])
    for name in INDEXES:
        op.drop_index(name, table_name="human_tasks")
