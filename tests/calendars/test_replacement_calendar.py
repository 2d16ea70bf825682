"""A replacement who accepts a round gets its calendar event; the one who left loses theirs."""

from __future__ import annotations

import json

from sqlmodel import col, select

from bot.emulator import ModalForm
from bot.sandbox import Sandbox
from bot.store.models import Assignment, Round
from tests.calendars.test_calendar_stories import world  # noqa: F401 - the fixture
from tests.e2e.helpers import MONDAY, PANEL, create_loop, top_view, uid, wait_for

NEAR_LONDON = [
    ("nora.pool", "Nora Pool", "Europe/Madrid", "U0PN00007"),
    ("pia.pool", "Pia Pool", "Europe/Vienna", "U0PN00009"),
    ("paul.pool", "Paul Pool", "Europe/Dublin", "U0PN00010"),
    ("ines.pool", "Ines Pool", "Europe/Paris", "U0PN00012"),
]


def _live_round_of_the_pool(sb: Sandbox) -> tuple[int, str]:
    with sb.db.read() as session:
        number, user = session.exec(
            select(Round.number, Assignment.user_id)
            .join(Assignment, Assignment.round_id == Round.id)
            .where(
                Assignment.letter == "R",
                Assignment.role_code == "PI",
                Assignment.active,
                col(Round.starts_at).is_not(None),
            )
            .order_by(Round.number)
        ).first()
    return number, sb.emulator.workspace.user(user).name


def test_the_event_follows_the_round_to_the_replacement(world) -> None:  # noqa: F811
    from handlers import create_app
    from handlers.http import make_wsgi_app

    settings = {**world.settings(), "loopbot_replacement_cutoff_hours": 0}
    # Slack's rate limits on, on the sandbox's Slack clock: a Retry-After is skipped, not slept.
    sandbox = Sandbox(create_app, make_wsgi_app, rate_limits=True, settings=settings)
    for handle, name, tz, user_id in NEAR_LONDON:
        sandbox.emulator.workspace.add_user(
            handle, name, f"{handle.split('.')[0]}@example.com", tz, id=user_id
        )
        world.add_person(handle)
    pool = [*PANEL, *(h for h, *_ in NEAR_LONDON)]
    with sandbox as sb:
        sb.now = MONDAY
        create_loop(
            sb,
            **{
                "Panel Interviewer (PI) pool": [uid(sb, h) for h in pool],
                "Candidate's time zone": "Europe/London",
                "First interview day": "2026-12-01",
            },
        )
        sb.dispatch()
        number, leaving = _live_round_of_the_pool(sb)
        assert len(world.interviews(leaving)) == 1
        assigned = wait_for(
            lambda: next(
                (
                    m
                    for m in sb.emulator.dms_to(uid(sb, leaving))
                    if "round_decline" in json.dumps(m.blocks or [])
                ),
                None,
            )
        )
        sb.slack.click(leaving, "round_decline", message=assigned)
        modal = wait_for(lambda: sb.emulator.open_views(uid(sb, leaving)) and top_view(sb, leaving))
        form = ModalForm(modal, sb.emulator.workspace).fill({"Why not?": "A clash."})
        assert sb.slack.submit(leaving, modal, form).status == 200

        def asked() -> tuple[str, object] | None:
            for handle in pool:
                for m in sb.emulator.dms_to(uid(sb, handle)):
                    if "replacement_accept" in json.dumps(m.blocks or []):
                        return handle, m
            return None

        found = wait_for(asked)
        assert found, "nobody was asked"
        taker, question = found
        had = len(world.interviews(taker))
        sb.slack.click(taker, "replacement_accept", message=question)
        assert wait_for(
            lambda: any("You now run" in (m.text or "") for m in sb.emulator.dms_to(uid(sb, taker)))
        )
        sb.dispatch()
        assert world.interviews(leaving) == []
        assert len(world.interviews(taker)) == had + 1


def test_a_trainee_who_steps_out_loses_the_event_the_interviewer_keeps_it(
    world,  # noqa: F811
    tmp_path,
) -> None:
    from tests.calendars.test_calendar_stories import email
    from tests.e2e.test_panels import TEAM
    from tests.e2e.test_training import (
        TRAINEE,
        _create,
        _interviewers,
        _trainee_round,
        training_sandbox,
    )

    for handle in [*(h for h, _, _ in TEAM), TRAINEE[0]]:
        world.add_person(handle)
    with training_sandbox(tmp_path, world.settings(), email=email) as sb:
        sb.now = MONDAY
        short_id, _ = _create(sb, "2026-11-24")
        sb.dispatch()
        number, _ = _trainee_round(sb, short_id)
        (lead,) = _interviewers(sb, short_id, number)
        trainee = TRAINEE[0]
        (theirs,) = world.interviews(trainee)
        kept = [e for e in world.interviews(lead) if e[2] == theirs[2]]
        assert len(kept) == 1
        assigned = wait_for(
            lambda: next(
                (
                    m
                    for m in sb.emulator.dms_to(uid(sb, trainee))
                    if f'"{short_id}:{number}"' in json.dumps(m.blocks or [])
                ),
                None,
            )
        )
        sb.slack.click(trainee, "round_decline", message=assigned)
        modal = wait_for(lambda: sb.emulator.open_views(uid(sb, trainee)) and top_view(sb, trainee))
        form = ModalForm(modal, sb.emulator.workspace).fill({"Why not?": "Off sick."})
        assert sb.slack.submit(trainee, modal, form).status == 200

        def gone() -> bool:
            sb.dispatch()
            return not world.interviews(trainee)

        assert wait_for(gone)
        assert [e for e in world.interviews(lead) if e[2] == theirs[2]] == kept
        assert not sb.emulator.violations
