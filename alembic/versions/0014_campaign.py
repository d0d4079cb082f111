"""迎检 campaign periods switched on in chat, and their events

Revision ID: 0014_campaign
Revises: 0013
Create Date: 2026-11-30

A period has its start, end and who switched it on and off; each change is a campaign_events
row. A period fixed in the config file (campaign.period) needs no row.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0014_campaign"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "campaign_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("starts_at", sa.DateTime(), nullable=False),
        sa.Column("ends_at", sa.DateTime(), nullable=False),
        sa.Column("end_day", sa.Date(), nullable=False),
        sa.Column("started_by_id", sa.String(length=128), nullable=False),
        sa.Column("started_by_name", sa.String(length=128), nullable=False),
        sa.Column("stopped_at", sa.DateTime(), nullable=True),
        sa.Column("stopped_by_id", sa.String(length=128), nullable=True),
        sa.Column("stopped_by_name", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_periods")),
    )
    op.create_index("ix_campaign_periods_starts_at", "campaign_periods", ["starts_at"])
    op.create_table(
        "campaign_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("period_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.Column("actor_name", sa.String(length=128), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("source_msg_id", sa.String(length=200), nullable=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["period_id"],
            ["campaign_periods.id"],
            name=op.f("fk_campaign_events_period_id_campaign_periods"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_events")),
    )
    op.create_index(op.f("ix_campaign_events_period_id"), "campaign_events", ["period_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_campaign_events_period_id"), table_name="campaign_events")
    op.drop_table("campaign_events")
    op.drop_index("ix_campaign_periods_starts_at", table_name="campaign_periods")
    op.drop_table("campaign_periods")
