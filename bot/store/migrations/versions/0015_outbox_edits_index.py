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
NAME = "ix_outbox_channel_id_edits_ts"


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.create_index(NAME, "outbox", ["channel_id", "edits_ts"])
        return
    # Built while replicas still serve (the README's upgrade): writes to the outbox go on.
    with op.get_context().autocommit_block():
        op.create_index(NAME, "outbox", ["channel_id", "edits_ts"], postgresql_concurrently=True)


def downgrade() -> None:
    op.drop_index(NAME, table_name="outbox")
