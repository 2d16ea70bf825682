"""a round's place (a room or a meeting link) and, for an asynchronous round, its submission
deadline, when the submission was received and when its review is due

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 07:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from bot.store.types import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("place", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True)
        )
        batch_op.add_column(sa.Column("deadline", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("received_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("review_due", UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.drop_column("review_due")
        batch_op.drop_column("received_at")
        batch_op.drop_column("deadline")
        batch_op.drop_column("place")
