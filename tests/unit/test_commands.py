"""`/loop` text: whatever Slack sends, the parser answers with a subcommand and arguments."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from bot.commands import MAX_TEXT, ParsedCommand, parse_command, user_mention


def test_subcommand_and_arguments() -> None:
    assert parse_command("") == ParsedCommand("help", ())
    assert parse_command("  SHOW  L7K2 ") == ParsedCommand("show", ("L7K2",))
    assert parse_command('create "Ada Lovelace" <@U0HM00001|maya>') == ParsedCommand(
        "create", ("Ada Lovelace", "<@U0HM00001|maya>")
    )
    assert parse_command("swap L1 2 <@U0PN00001|diego okafor>").args[-1] == (
        "<@U0PN00001|diego okafor>"
    )


def test_control_characters_are_spaces() -> None:
    assert parse_command("show\x00L1\x1b[31m") == ParsedCommand("show", ("L1", "[31m"))


def test_user_mentions() -> None:
    assert user_mention("<@U0HM00001|maya>") == "U0HM00001"
    assert user_mention("<@W123ABC>") == "W123ABC"
    assert user_mention("<#C123|hiring>") is None
    assert user_mention("@maya") is None


@example("''")  # a quoted nothing
@example('"" list')
@given(st.text(max_size=MAX_TEXT + 200))
def test_any_text_parses(text: str) -> None:
    parsed = parse_command(text)
    assert parsed.name and parsed.name == parsed.name.lower()
    assert all(isinstance(a, str) for a in parsed.args)
    assert sum(len(a) for a in parsed.args) + len(parsed.name) <= MAX_TEXT
