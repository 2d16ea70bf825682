"""the round a candidate's own documents brief, as the recruiter picked it

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 19:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("loops", schema=None) as batch_op:
        batch_op.add_column(sa.Column("briefed_round", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("loops", schema=None) as batch_op:
        batch_op.drop_column("briefed_round")
