"""the seat a round's person took over: the lead's seat given to someone else keeps the lead

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seat_of", sa.Integer(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place (SQLite 3.35+): a batch copy would drop the table other tables refer to.
        op.execute("ALTER TABLE assignments DROP COLUMN seat_of")
    else:
        op.drop_column("assignments", "seat_of")
