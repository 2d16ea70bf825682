"""the candidate's working hours, as the recruiter gave them in step 1

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("loops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("candidate_hours", sa.String(length=40), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place (SQLite 3.35+): a batch copy would drop the table other tables refer to.
        op.execute("ALTER TABLE loops DROP COLUMN candidate_hours")
    else:
        op.drop_column("loops", "candidate_hours")
