"""a hybrid round's written part (an async write-up before its live review): when the candidate
sends it

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 05:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.store.types import UTCDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("rounds", schema=None) as batch_op:
        batch_op.add_column(sa.Column("written_due", UTCDateTime(timezone=True), nullable=True))
    _hybrid_rounds_before(op.get_bind())


_ROUNDS = sa.table(
    "rounds",
    sa.column("id", sa.Integer),
    sa.column("loop_id", sa.Integer),
    sa.column("format", sa.String),
    sa.column("starts_at", UTCDateTime(timezone=True)),
    sa.column("written_due", UTCDateTime(timezone=True)),
)
_LOOPS = sa.table(
    "loops",
    sa.column("id", sa.Integer),
    sa.column("candidate_tz", sa.String),
    sa.column("candidate_hours", sa.String),
)


def _hybrid_rounds_before(bind: sa.engine.Connection) -> None:
    """Hybrid rounds of loops created before this revision get their written part's due time,
    as a loop created now would (`places.written_part_due`)."""
    from bot.loops.places import HYBRID, written_part_due

    rows = bind.execute(
        sa.select(
            _ROUNDS.c.id, _ROUNDS.c.starts_at, _LOOPS.c.candidate_tz, _LOOPS.c.candidate_hours
        )
        .join(_LOOPS, _LOOPS.c.id == _ROUNDS.c.loop_id)
        .where(_ROUNDS.c.format == HYBRID, _ROUNDS.c.starts_at.is_not(None))
    ).all()
    for round_id, starts_at, tz, hours in rows:
        due = written_part_due(starts_at, HYBRID, tz, hours)
        bind.execute(_ROUNDS.update().where(_ROUNDS.c.id == round_id).values(written_due=due))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place (SQLite 3.35+): a batch copy would drop the table other tables refer to.
        op.execute("ALTER TABLE rounds DROP COLUMN written_due")
    else:
        op.drop_column("rounds", "written_due")
