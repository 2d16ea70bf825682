"""The real `loopbot serve` and `loopbot demo` processes, as an operator runs them."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.emulator import SlackClient, SlackEmulator

LOOPBOT = [sys.executable, "-m", "bot.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(tmp_path: Path):
    with SlackEmulator(rate_limits=False) as emulator:
        port = _free_port()
        env = {
            **os.environ,
            "SLACK_BOT_TOKEN": emulator.bot_token,
            "SLACK_SIGNING_SECRET": "s3cret-for-tests",
            "SLACK_API_URL": emulator.api_url,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
            "PORT": str(port),
            "HOST": "127.0.0.1",
            "LOOPBOT_LOG_JSON": "true",
        }
        subprocess.run([*LOOPBOT, "db", "upgrade"], env=env, check=True, capture_output=True)
        log = (tmp_path / "serve.log").open("w+")
        proc = subprocess.Popen([*LOOPBOT, "serve"], env=env, stdout=log, stderr=log)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(url + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        try:
            yield url, SlackClient(url + "/slack/events", "s3cret-for-tests", emulator), log
        finally:
            proc.terminate()
            proc.wait(timeout=10)


def test_serve_answers_health_help_and_refuses_unsigned(served) -> None:
    url, slack, log = served
    with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
        assert json.loads(response.read()) == {"ok": True, "database": "ok"}
    help_reply = slack.command("oliver.rec", "/loop", "help")
    assert help_reply.status == 200 and "`/loop help`" in help_reply.json["text"]
    unsigned = slack.send_raw(
        b"command=%2Floop&text=help", {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert unsigned.status == 401
    log.seek(0)
    logs = log.read()
    assert "xoxb-" not in logs and "s3cret-for-tests" not in logs


def test_serve_without_tokens_says_what_is_missing(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    done = subprocess.run(
        [*LOOPBOT, "serve"], env=env, capture_output=True, text=True, timeout=30, cwd=tmp_path
    )
    assert done.returncode == 2
    assert "SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET" in done.stderr


def test_demo_runs_offline_and_shows_the_help(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_"))}
    done = subprocess.run(
        [*LOOPBOT, "demo"], env=env, capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert "Oliver Bennett types `/loop help`" in done.stdout
    assert "`/loop help`: show this list" in done.stdout
    assert "violations: 0" in done.stdout
    assert "Oliver Bennett types `/loop create`" in done.stdout
    assert "→ DM to Diego Ramirez (times in America/Los_Angeles)" in done.stdout
    assert "ROUND GUIDE: ASYNC BUILD" in done.stdout
    assert "presses Open scorecard for round 6" in done.stdout
    assert "DEBRIEF: JUYOUNG PARK" in done.stdout and "*Decision: Hire*" in done.stdout
    assert "The hiring manager recorded *Hire*" in done.stdout
