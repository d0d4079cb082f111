"""测评点位 inspection rounds (督查): rounds, their events, and the point a ticket was found at

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30

A round is one inspector at one point; reports posted during it carry the point and the round.
Points themselves live in the config file (points.list), so point_id is a plain string.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inspection_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("point_id", sa.String(length=64), nullable=False),
        sa.Column("inspector_id", sa.String(length=128), nullable=False),
        sa.Column("inspector_name", sa.String(length=128), nullable=False),
        sa.Column("group_id", sa.String(length=128), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("failed_items", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_rounds")),
    )
    op.create_index(
        "ix_inspection_rounds_inspector_group", "inspection_rounds", ["inspector_id", "group_id", "ended_at"]
    )
    op.create_index("ix_inspection_rounds_point_started", "inspection_rounds", ["point_id", "started_at"])
    op.create_table(
        "inspection_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.String(length=128), nullable=False),
        sa.Column("actor_name", sa.String(length=128), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["inspection_rounds.id"],
            name=op.f("fk_inspection_events_round_id_inspection_rounds"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inspection_events")),
    )
    op.create_index(op.f("ix_inspection_events_round_id"), "inspection_events", ["round_id"])
    # Plain ADD COLUMN, no table rebuild: on SQLite a batch rebuild drops `tickets`, and its
    # ON DELETE CASCADE children (events, images) would go with it. round_id is therefore a
    # plain indexed integer, not a foreign key (rounds are never deleted).
    op.add_column("tickets", sa.Column("point_id", sa.String(length=64), nullable=True))
    op.add_column("tickets", sa.Column("round_id", sa.Integer(), nullable=True))
    op.create_index(op.f("ix_tickets_point_id"), "tickets", ["point_id"])
    op.create_index(op.f("ix_tickets_round_id"), "tickets", ["round_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_tickets_round_id"), table_name="tickets")
    op.drop_index(op.f("ix_tickets_point_id"), table_name="tickets")
    op.drop_column("tickets", "round_id")
    op.drop_column("tickets", "point_id")
    op.drop_index(op.f("ix_inspection_events_round_id"), table_name="inspection_events")
    op.drop_table("inspection_events")
    op.drop_index("ix_inspection_rounds_point_started", table_name="inspection_rounds")
    op.drop_index("ix_inspection_rounds_inspector_group", table_name="inspection_rounds")
    op.drop_table("inspection_rounds")
