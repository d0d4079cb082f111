"""web ledger: users (accounts with roles) and the ledger's indexes

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23

The ledger page filters 100,000 tickets by unit and area and sorts by fix deadline; each of
those is an index range, so a page costs what it shows, not the whole history.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("display_name", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("unit", sa.String(length=32), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_login_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_index("ix_tickets_unit_id", "tickets", ["unit", "id"], unique=False)
    op.create_index("ix_tickets_area_id", "tickets", ["area", "id"], unique=False)
    op.create_index("ix_tickets_fix_deadline", "tickets", ["fix_deadline"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_tickets_fix_deadline", table_name="tickets")
    op.drop_index("ix_tickets_area_id", table_name="tickets")
    op.drop_index("ix_tickets_unit_id", table_name="tickets")
    op.drop_table("users")
