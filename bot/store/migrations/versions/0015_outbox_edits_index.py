"""an index for the outbox's question on every edit: is a later edit of this message waiting?

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 03:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_outbox_channel_id_edits_ts", "outbox", ["channel_id", "edits_ts"])


def downgrade() -> None:
    op.drop_index("ix_outbox_channel_id_edits_ts", table_name="outbox")
