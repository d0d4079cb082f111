"""indexes for the KPI and digest aggregates

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23

Events are counted by type over a time range, and the KPI cohort is the tickets
dispatched in a period; both must be range scans, not full-table scans, so a digest's
cost follows the period and not the history.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_ticket_events_type_at", "ticket_events", ["type", "at"], unique=False)
    op.create_index("ix_tickets_dispatched_at", "tickets", ["dispatched_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_tickets_dispatched_at", table_name="tickets")
    op.drop_index("ix_ticket_events_type_at", table_name="ticket_events")
