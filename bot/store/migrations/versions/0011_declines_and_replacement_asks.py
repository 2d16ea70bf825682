"""interviewers who cannot make their round, and the replacements asked in turn

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 08:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import bot.store.types

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "declines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("loop_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", bot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["loop_id"], ["loops.id"]),
        sa.ForeignKeyConstraint(["round_id"], ["rounds.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("declines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_declines_loop_id"), ["loop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_declines_round_id"), ["round_id"], unique=False)
    op.create_table(
        "replacement_asks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("decline_id", sa.Integer(), nullable=False),
        sa.Column("loop_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("state", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("asked_at", bot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", bot.store.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("answered_at", bot.store.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.ForeignKeyConstraint(["decline_id"], ["declines.id"]),
        sa.ForeignKeyConstraint(["loop_id"], ["loops.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("replacement_asks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_replacement_asks_decline_id"), ["decline_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_replacement_asks_loop_id"), ["loop_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_replacement_asks_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_replacement_asks_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    op.drop_table("replacement_asks")
    op.drop_table("declines")
