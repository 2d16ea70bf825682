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
    _seats_given_before(op.get_bind())


_AUDIT = sa.table(
    "audit_entries",
    sa.column("id", sa.Integer),
    sa.column("loop_id", sa.Integer),
    sa.column("action", sa.String),
    sa.column("detail", sa.JSON),
)
_ROUNDS = sa.table(
    "rounds",
    sa.column("id", sa.Integer),
    sa.column("loop_id", sa.Integer),
    sa.column("number", sa.Integer),
)
_SEATS = sa.table(
    "assignments",
    sa.column("id", sa.Integer),
    sa.column("round_id", sa.Integer),
    sa.column("user_id", sa.String),
    sa.column("letter", sa.String),
    sa.column("seat_of", sa.Integer),
)


def _seats_given_before(bind: sa.engine.Connection) -> None:
    """Seats given to someone else before this revision (a swap, a replacement who accepted:
    the audit's `round.swapped`, oldest first): the newcomer's row takes the place of the row it
    replaced, so a lead swapped earlier leads."""
    swaps = bind.execute(
        sa.select(_AUDIT.c.loop_id, _AUDIT.c.detail)
        .where(_AUDIT.c.action == "round.swapped")
        .order_by(_AUDIT.c.id)
    ).all()
    for loop_id, detail in swaps:
        old_user, new_user = detail.get("from_user"), detail.get("to_user")
        number = detail.get("round")
        if not isinstance(number, int):
            continue
        round_id = bind.execute(
            sa.select(_ROUNDS.c.id).where(_ROUNDS.c.loop_id == loop_id, _ROUNDS.c.number == number)
        ).scalar()
        if not old_user or not new_user or round_id is None:
            continue
        rows = bind.execute(
            sa.select(_SEATS.c.id, _SEATS.c.user_id, _SEATS.c.seat_of)
            .where(_SEATS.c.round_id == round_id, _SEATS.c.letter.in_(("R", "O")))
            .order_by(_SEATS.c.id)
        ).all()
        for new in (r for r in rows if r.user_id == new_user and r.seat_of is None):
            olds = [r for r in rows if r.user_id == old_user and r.id < new.id]
            if olds:
                seat = olds[-1].seat_of or olds[-1].id
                bind.execute(_SEATS.update().where(_SEATS.c.id == new.id).values(seat_of=seat))
                break


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # In place (SQLite 3.35+): a batch copy would drop the table other tables refer to.
        op.execute("ALTER TABLE assignments DROP COLUMN seat_of")
    else:
        op.drop_column("assignments", "seat_of")
