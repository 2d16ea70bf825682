"""index loops by creator and creation time

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 00:39:52.522800
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table("loops", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_loops_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_loops_created_by"), ["created_by"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("loops", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_loops_created_by"))
        batch_op.drop_index(batch_op.f("ix_loops_created_at"))
