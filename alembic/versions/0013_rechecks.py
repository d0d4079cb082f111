"""回头看 re-inspections

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30

A closed ticket sampled for 回头看 gets one row (unique per ticket, so it is sampled once),
with its inspector and result; 满意度 needs no table (it is ticket events).
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rechecks",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("ticket_id", sa.Integer(), sa.ForeignKey("tickets.id", ondelete="CASCADE"), nullable=False),
        sa.Column("unit", sa.String(32), nullable=False),
        sa.Column("inspector_id", sa.String(128), nullable=False),
        sa.Column("sampled_at", sa.DateTime(), nullable=False),
        sa.Column("result", sa.String(16), nullable=True),
        sa.Column("result_at", sa.DateTime(), nullable=True),
        sa.Column("result_by", sa.String(128), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.UniqueConstraint("ticket_id"),
    )
    op.create_index("ix_rechecks_result_at", "rechecks", ["result_at"])


def downgrade() -> None:
    op.drop_index("ix_rechecks_result_at", table_name="rechecks")
    op.drop_table("rechecks")
