"""ledger filters that are rare together: an index for each pair the ledger is asked for

Revision ID: 0018_ledger_filter_indexes
Revises: 0017_intake_lookups
Create Date: 2026-11-30

The ledger counts the tickets a filter selects up to 1,000 (bot/reports/ledger_query.py). Where
two filters are each common and rare together, such as 紧急 in one area (3 % of a quarter) or a
category in one status, the count read the tickets of one of them until a thousand matched: at a
million tickets 140,000 rows, 55-250 ms. An index on the pair (id last, so the page's newest 50
come in order) counts them directly, 10-17 ms on PostgreSQL. SQLite uses `urgent IS 1`, which it
matches to an index like `=`; PostgreSQL treats `urgent IS true` as `urgent = true`.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0018_ledger_filter_indexes"
down_revision: str | None = "0017_intake_lookups"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_tickets_urgent_area_id", "tickets", ["urgent", "area", "id"])
    op.create_index("ix_tickets_category_status_id", "tickets", ["category", "status", "id"])


def downgrade() -> None:
    op.drop_index("ix_tickets_category_status_id", table_name="tickets")
    op.drop_index("ix_tickets_urgent_area_id", table_name="tickets")
