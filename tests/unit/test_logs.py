"""Logs carry no tokens and no payloads quoted by the Slack libraries."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.logs import JsonLines, Redact, configure_logging, exception_summary


@pytest.fixture
def captured():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(Redact())
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("loopbot.test")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    bolt = logging.getLogger("slack_bolt.App")
    bolt.addHandler(handler)
    yield stream
    logger.removeHandler(handler)
    bolt.removeHandler(handler)


def test_tokens_are_masked(captured) -> None:
    logging.getLogger("loopbot.test").info("token %s and xapp-1-A0-123", "xoxb-1234-abcd")
    line = json.loads(captured.getvalue())
    assert line["msg"] == "token xoxb-[redacted] and xapp-[redacted]"


def test_slack_library_payloads_are_dropped(captured) -> None:
    logging.getLogger("slack_bolt.App").warning(
        "Unhandled request ({'type': 'view_submission', 'candidate': 'Juyoung Park'})"
    )
    line = json.loads(captured.getvalue())
    assert "Juyoung" not in line["msg"] and line["msg"].endswith("[payload omitted]")


def test_json_lines_carry_extra_fields(captured) -> None:
    logging.getLogger("loopbot.test").info("sent", extra={"method": "chat.postMessage"})
    line = json.loads(captured.getvalue())
    assert line["method"] == "chat.postMessage" and line["level"] == "info"


def test_exception_summary_keeps_the_stack_not_the_message() -> None:
    try:
        raise ValueError("Juyoung Park")
    except ValueError as exc:
        summary = exception_summary(exc)
    assert summary.startswith("builtins.ValueError at test_logs.py:")
    assert "Juyoung" not in summary


def test_sdk_debug_logging_is_never_enabled() -> None:
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, logging.getLogger("slack_sdk").level)
    configure_logging(level="DEBUG")
    try:
        assert logging.getLogger("slack_sdk").getEffectiveLevel() >= logging.INFO
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        logging.getLogger("slack_sdk").setLevel(saved[2])


@pytest.mark.parametrize(("level", "routine_shown"), [("INFO", False), ("DEBUG", True)])
def test_scheduler_ticks_are_not_logged_at_info(capsys, level: str, routine_shown: bool) -> None:
    import threading

    from apscheduler.schedulers.background import BackgroundScheduler

    configure_logging(level=level)
    try:
        ran = threading.Event()
        scheduler = BackgroundScheduler()
        scheduler.add_job(ran.set, "interval", seconds=0.05, id="tick")
        scheduler.start()
        assert ran.wait(5)
        scheduler.shutdown(wait=True)  # after the ticks that ran have logged
        err = capsys.readouterr().err
    finally:
        configure_logging(level="WARNING")
        logging.getLogger().handlers.clear()
    assert ("executed successfully" in err) is routine_shown
    assert ("Added job" in err) is routine_shown


@pytest.mark.parametrize(("level", "routine_shown"), [("INFO", False), ("DEBUG", True)])
def test_alembic_s_and_bolt_s_routine_lines_only_at_debug(
    capsys, tmp_path, level: str, routine_shown: bool
) -> None:
    """What Alembic says on every start-up and Bolt on every app built, as they say it; its
    real news ("Running upgrade") shows at INFO."""
    from slack_bolt import App
    from slack_sdk import WebClient

    from bot.store import Database
    from bot.store.migrate import upgrade

    configure_logging(level=level)
    try:
        upgrade(Database(f"sqlite:///{tmp_path / 'loopbot.db'}"))
        App(
            name="loopbot",
            token="xoxb-test",
            client=WebClient(token="xoxb-test"),
            signing_secret="s",
            token_verification_enabled=False,
        )
        err = capsys.readouterr().err
    finally:
        configure_logging(level="WARNING")
        logging.getLogger().handlers.clear()
    assert "Running upgrade" in err
    assert ("Context impl SQLiteImpl" in err) is routine_shown
    assert ("As you gave `client` as well" in err) is routine_shown
