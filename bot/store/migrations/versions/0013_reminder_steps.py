"""a reminder row per step of the feedback cadence: `step` joins the reminders' unique key

Revision ID: 0013
Revises: 0011
Create Date: 2026-12-05 12:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite left the first key unnamed; batch mode names what it reflects with this convention.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}
OLD_SQLITE = "uq_reminders_assignment_id_kind_round_version"
OLD_POSTGRES = "reminders_assignment_id_kind_round_version_key"
NEW = "uq_reminders_step"


def _old_name() -> str:
    return OLD_SQLITE if op.get_bind().dialect.name == "sqlite" else OLD_POSTGRES


def upgrade() -> None:
    with op.batch_alter_table("reminders", naming_convention=NAMING) as batch_op:
        batch_op.add_column(sa.Column("step", sa.Integer(), server_default="0", nullable=False))
        batch_op.drop_constraint(_old_name(), type_="unique")
        batch_op.create_unique_constraint(NEW, ["assignment_id", "kind", "round_version", "step"])


def downgrade() -> None:
    # Later steps cannot live under the old key: they go (sent history of daily reminders).
    op.execute("DELETE FROM reminders WHERE step <> 0")
    with op.batch_alter_table("reminders", naming_convention=NAMING) as batch_op:
        batch_op.drop_constraint(NEW, type_="unique")
        batch_op.drop_column("step")
        batch_op.create_unique_constraint(_old_name(), ["assignment_id", "kind", "round_version"])
