"""webhook nonces: a DingTalk callback signature binds to one message

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30

DingTalk signs only the timestamp, so a captured (timestamp, sign) pair could carry any body
for an hour. Each sign is stored with the message id it first came with (see
models/webhook_nonce.py); rows older than the window are pruned as new ones arrive.
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "webhook_nonces",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform", sa.String(length=32), nullable=False),
        sa.Column("nonce", sa.String(length=128), nullable=False),
        sa.Column("msg_id", sa.String(length=200), nullable=False),
        sa.Column("seen_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_webhook_nonces")),
        sa.UniqueConstraint("platform", "nonce", name=op.f("uq_webhook_nonces_platform_nonce")),
    )
    op.create_index(op.f("ix_webhook_nonces_seen_at"), "webhook_nonces", ["seen_at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_webhook_nonces_seen_at"), table_name="webhook_nonces")
    op.drop_table("webhook_nonces")
