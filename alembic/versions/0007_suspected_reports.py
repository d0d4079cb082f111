"""疑似上报 (suspected reports) and labelled examples

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30

Messages that may be reports but were not registered are kept for the 创城办 (one row per
inbound message, never two); what the office settles by hand becomes a labelled example.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "labelled_examples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("is_report", sa.Boolean(), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=True),
        sa.Column("unit", sa.String(length=32), nullable=True),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("source_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_labelled_examples")),
        sa.UniqueConstraint("source", "source_id", name=op.f("uq_labelled_examples_source_source_id")),
    )
    op.create_table(
        "suspected_reports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inbound_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("msg_id", sa.String(length=200), nullable=False),
        sa.Column("group_id", sa.String(length=128), nullable=False),
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("sender_name", sa.String(length=128), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("images", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.String(length=128), nullable=True),
        sa.Column("decided_by_name", sa.String(length=128), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decided_via", sa.String(length=16), nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["inbound_id"],
            ["inbound_messages.id"],
            name=op.f("fk_suspected_reports_inbound_id_inbound_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(["ticket_id"], ["tickets.id"], name=op.f("fk_suspected_reports_ticket_id_tickets")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_suspected_reports")),
        sa.UniqueConstraint("inbound_id", name=op.f("uq_suspected_reports_inbound_id")),
    )
    op.create_index(
        "ix_suspected_reports_sender_group", "suspected_reports", ["sender_id", "group_id", "id"], unique=False
    )
    op.create_index("ix_suspected_reports_status_id", "suspected_reports", ["status", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_suspected_reports_status_id", table_name="suspected_reports")
    op.drop_index("ix_suspected_reports_sender_group", table_name="suspected_reports")
    op.drop_table("suspected_reports")
    op.drop_table("labelled_examples")
