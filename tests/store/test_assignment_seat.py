"""Migration 0017: the seat a round's row took over. Seats given away before it are read back
from the swaps' audit entries, so a panel whose lead was swapped earlier lists the newcomer
first after the upgrade; both ways, on both engines."""

from __future__ import annotations

from sqlmodel import Session

from bot.loops.queries import assignments_of
from bot.store import Database
from bot.store.migrate import downgrade, upgrade
from bot.store.models import Loop
from tests.store.test_reminder_steps import _SEED, _insert

BEFORE = "0016"


def _seat(row_id: int, user: str, active: bool) -> str:
    return (
        "INSERT INTO assignments (id, loop_id, round_id, letter, role_code, user_id, active, "
        f"created_at, part) VALUES ({row_id}, 1, 1, 'R', 'PI', '{user}', {str(active).lower()}, "
        ":at, 'interviewer')"
    )


def _swapped(row_id: int, old: str, new: str) -> str:
    detail = f'{{"round": 1, "from_user": "{old}", "to_user": "{new}"}}'
    return (
        "INSERT INTO audit_entries (id, at, actor, action, loop_id, detail) "
        f"VALUES ({row_id}, :at, 'U1', 'round.swapped', 1, '{detail}')"
    )


def _panel(db: Database) -> list[str]:
    with Session(db.engine) as session:
        loop = session.get(Loop, 1)
        assert loop is not None
        return [a.user_id for a in assignments_of(session, loop) if a.round_id == 1]


def test_a_lead_swapped_before_the_upgrade_leads_after_it(any_db: Database) -> None:
    downgrade(any_db, BEFORE)
    for statement in _SEED:  # the lead, U2
        _insert(any_db, statement)
    _insert(any_db, _seat(2, "U3", True))  # the other interviewer
    # U2's seat went to U4, then U4's to U5: the lead's seat, twice.
    _insert(any_db, "UPDATE assignments SET active = false WHERE id = 1")
    _insert(any_db, _seat(3, "U4", False))
    _insert(any_db, _swapped(1, "U2", "U4"))
    _insert(any_db, _seat(4, "U5", True))
    _insert(any_db, _swapped(2, "U4", "U5"))
    upgrade(any_db)
    assert _panel(any_db) == ["U5", "U3"]
    downgrade(any_db, BEFORE)
    upgrade(any_db)
    assert _panel(any_db) == ["U5", "U3"]
