"""Panels: the round type's words as a panel size, and the engine booking a whole panel."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.documents import load_library
from bot.documents.panels import observers_in, panel_size
from bot.loops.assignment import plan
from bot.loops.hours import Hours, WorkingDay
from bot.loops.ledger import Booking, RoundNeed
from bot.settings import SEEDS_DIR

WEEKDAYS = Hours(frozenset(range(5)), time(9), time(17, 30))
SEOUL = WorkingDay("Asia/Seoul", WEEKDAYS)
TUESDAY = date(2026, 11, 24)
POOL = ("UA", "UB", "UC", "UD")


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(TUESDAY, time(hour, minute), tzinfo=ZoneInfo("Asia/Seoul")).astimezone(
        UTC
    )


@pytest.mark.parametrize(
    ("words", "size"),
    [
        ("two members of the team they are interviewing for", (2, 2)),
        ("Two Engineering Managers", (2, 2)),
        ("1-2 members of the team the candidate is interviewing for", (1, 2)),
        ("the hiring manager", (1, 1)),
        ("one engineer on the Delivery team", (1, 1)),
        ("A hiring manager or a member of the team", (1, 1)),
        ("Head of AI", (1, 1)),
        ("", (1, 1)),
        ("three engineers", (3, 3)),
        ("12 engineers", (4, 4)),
    ],
)
def test_the_catalogue_s_words_give_the_panel(words: str, size: tuple[int, int]) -> None:
    assert panel_size(words) == size


def test_the_pairing_exercise_asks_for_two_interviewers_and_an_observer() -> None:
    kinds = load_library(Path(SEEDS_DIR)).round_types
    pairing = kinds["pairing-exercise"]
    assert panel_size(pairing.interviewers) == (2, 2) and observers_in(pairing) == 1
    assert observers_in(kinds["technical-interview"]) == 0


def test_a_bad_panel_front_matter_is_a_document_error(tmp_path: Path) -> None:
    kind = (Path(SEEDS_DIR) / "round_types" / "pairing-exercise.md").read_text()
    (tmp_path / "pairing.md").write_text(
        kind.replace("duration_minutes: 60\n", "duration_minutes: 60\npanel: [U1, U2]\n", 1)
    )
    with pytest.raises(Exception, match="panel:"):
        load_library(tmp_path)


def test_the_whole_panel_is_booked_at_one_time_with_distinct_people() -> None:
    need = RoundNeed(1, 60, POOL, seats=2, minimum=2, observers=1)
    # UA is busy at 9:00; the panel waits for no one: three others are free then.
    busy = [Booking("UA", _at(9), _at(10))]
    hours = dict.fromkeys(POOL, SEOUL)
    (got,) = plan(rounds=[need], candidate=SEOUL, first_day=TUESDAY, hours=hours, bookings=busy)
    assert got.starts_at == _at(9)
    assert len({*got.panel, *got.observers}) == 3 and "UA" not in {*got.panel, *got.observers}
    assert got.user_id == got.panel[0]


def test_pinned_people_are_used_and_the_time_waits_for_them() -> None:
    need = RoundNeed(1, 60, POOL, seats=2, minimum=2, observers=1, pinned=("UD", "UC", "UA"))
    busy = [Booking("UA", _at(9), _at(10, 30))]
    hours = dict.fromkeys(POOL, SEOUL)
    (got,) = plan(rounds=[need], candidate=SEOUL, first_day=TUESDAY, hours=hours, bookings=busy)
    assert got.panel == ("UD", "UC") and got.observers == ("UA",) and got.unpinned == ()
    assert got.starts_at == _at(10, 45)  # after UA's meeting and the buffer


def test_without_the_fewest_interviewers_the_round_gets_no_time_and_reasons() -> None:
    need = RoundNeed(1, 60, ("UA",), seats=2, minimum=2)
    (got,) = plan(
        rounds=[need], candidate=SEOUL, first_day=TUESDAY, hours={"UA": SEOUL}, bookings=[]
    )
    assert got.starts_at is None and got.user_id is None


def test_a_one_to_two_panel_takes_one_when_only_one_is_free_in_two_weeks() -> None:
    """`interviewers: 1-2 …`: two when two are free at one time, else the earliest with one."""
    need = RoundNeed(1, 60, ("UA", "UB"), seats=2, minimum=1)
    hours = {"UA": SEOUL, "UB": WorkingDay("Europe/London", WEEKDAYS)}  # never the same hour
    (got,) = plan(rounds=[need], candidate=SEOUL, first_day=TUESDAY, hours=hours, bookings=[])
    assert got.starts_at == _at(9) and got.user_id == "UA" and set(got.panel) <= {"UA"}
    both = {"UA": SEOUL, "UB": SEOUL}
    (full,) = plan(rounds=[need], candidate=SEOUL, first_day=TUESDAY, hours=both, bookings=[])
    assert full.starts_at == _at(9) and set(full.panel) == {"UA", "UB"}


def test_docs_show_says_what_panel_a_round_gets(tmp_path: Path) -> None:
    from shutil import copytree

    from bot.documents.describe import describe_loop

    docs = tmp_path / "docs"
    copytree(SEEDS_DIR, docs)
    loop = docs / "loops" / "ai-first-engineering.md"
    text = loop.read_text().replace("version: 1\n", "version: 1\ntrainees: [U0TR00001]\n", 1)
    heading = "### 2. Live AI Pairing\n"
    loop.write_text(text.replace(heading, heading + "Type: Pairing Exercise\n", 1))
    shown = describe_loop(load_library(docs).loops["ai-first-engineering"])
    assert "Panel:    2 interviewers, 1 observer (Pairing Exercise)" in shown
    assert "Trainees: U0TR00001" in shown


def test_trainees_must_be_a_list_of_user_ids(tmp_path: Path) -> None:
    from shutil import copytree

    docs = tmp_path / "docs"
    copytree(SEEDS_DIR, docs)
    loop = docs / "loops" / "ai-first-engineering.md"
    loop.write_text(loop.read_text().replace("version: 1\n", "version: 1\ntrainees: U1\n", 1))
    with pytest.raises(Exception, match="front matter 'trainees': give a list of Slack user ids"):
        load_library(docs)
