"""`loopbot --help` tells an operator what each command does and which settings it reads."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from bot.cli import main


def _output(capsys, *argv: str) -> str:
    with pytest.raises(SystemExit) as exit_:
        main(list(argv))
    assert exit_.value.code == 0
    return capsys.readouterr().out


def test_version_is_the_installed_one(capsys) -> None:
    assert _output(capsys, "--version").strip() == f"loopbot {version('loopbot')}"


def test_help_names_every_command_and_where_settings_come_from(capsys) -> None:
    text = _output(capsys, "--help")
    assert "interview loops in Slack" in text
    for command in ("docs", "db", "export", "purge", "serve", "demo"):
        assert f"\n    {command} " in text
    assert "DATABASE_URL" in text and "LOOPBOT_DOCS" in text
    assert "composition root" not in text  # the module's docstring is for developers


@pytest.mark.parametrize(
    ("argv", "settings"),
    [
        (("serve",), ("SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "DATABASE_URL", "PORT")),
        (("db", "upgrade"), ("DATABASE_URL",)),
        (("docs", "check"), ("LOOPBOT_DOCS",)),
        (("docs", "list"), ("LOOPBOT_DOCS",)),
        (("purge",), ("DATABASE_URL", "SLACK_BOT_TOKEN")),
        (("export",), ("DATABASE_URL",)),
    ],
)
def test_each_command_names_the_settings_it_reads(capsys, argv, settings) -> None:
    text = _output(capsys, *argv, "--help")
    for name in settings:
        assert name in text
