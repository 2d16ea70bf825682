"""app.yaml is a manifest Slack accepts, and declares exactly what the code uses."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from bot.slack.messenger import EXTRA_SCOPES, METHOD_SCOPES
from handlers import BOT_EVENTS, COMMANDS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHARED_SLACK = PROJECT_ROOT / "tests" / "reference" / "slack"
MANIFEST = yaml.safe_load((PROJECT_ROOT / "app.yaml").read_text())


@pytest.mark.skipif(
    not SHARED_SLACK.exists(), reason="Slack's manifest schema is not beside the project"
)
def test_manifest_passes_slacks_schema() -> None:
    schema = json.loads((SHARED_SLACK / "manifest.schema.1.0.0.json").read_text())
    jsonschema.validate(MANIFEST, schema)


def test_schema_check_would_catch_a_broken_manifest() -> None:
    if not SHARED_SLACK.exists():
        pytest.skip("Slack's manifest schema is not beside the project")
    schema = json.loads((SHARED_SLACK / "manifest.schema.1.0.0.json").read_text())
    broken = {**MANIFEST, "display_information": {"name": ""}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_every_command_and_event_the_code_handles_is_declared() -> None:
    declared_commands = {c["command"] for c in MANIFEST["features"]["slash_commands"]}
    assert declared_commands == set(COMMANDS)
    assert set(MANIFEST["settings"]["event_subscriptions"]["bot_events"]) == set(BOT_EVENTS)
    assert MANIFEST["settings"]["interactivity"]["is_enabled"] is True
    assert MANIFEST["features"]["app_home"]["home_tab_enabled"] is True


def test_scopes_are_exactly_what_the_code_calls() -> None:
    needed = {scope for scope in METHOD_SCOPES.values() if scope} | {"commands"}
    needed |= set(EXTRA_SCOPES)
    assert set(MANIFEST["oauth_config"]["scopes"]["bot"]) == needed


@pytest.mark.parametrize("method", sorted(METHOD_SCOPES))
def test_each_methods_scope_is_one_slack_accepts(method: str) -> None:
    reference = SHARED_SLACK / "methods" / f"{method}.json"
    if not reference.exists() or not reference.read_text().strip():
        pytest.skip(f"no method reference for {method}")
    accepted = {
        s["name"] for s in json.loads(reference.read_text()).get("scopes", {}).get("bot", [])
    }
    scope = METHOD_SCOPES[method]
    assert (scope in accepted) if accepted else scope is None


def test_request_urls_share_one_placeholder_host() -> None:
    urls = [c["url"] for c in MANIFEST["features"]["slash_commands"]]
    urls += [
        MANIFEST["settings"]["event_subscriptions"]["request_url"],
        MANIFEST["settings"]["interactivity"]["request_url"],
    ]
    assert set(urls) == {"https://loopbot.example.com/slack/events"}
