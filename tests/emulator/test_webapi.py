"""The emulated Web API, driven through slack_sdk's WebClient over real HTTP."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import RateLimitErrorRetryHandler

from bot.emulator import ManualClock, Message, SlackEmulator

MODAL = {
    "type": "modal",
    "callback_id": "new_loop",
    "title": {"type": "plain_text", "text": "New interview loop"},
    "submit": {"type": "plain_text", "text": "Create"},
    "blocks": [
        {
            "type": "input",
            "block_id": "candidate",
            "label": {"type": "plain_text", "text": "Candidate name"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}
HOME = {"type": "home", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}]}


def error_of(call: Any, **kwargs: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        call(**kwargs)
    return caught.value.response["error"]


def post_form(url: str, fields: dict[str, str], headers: dict[str, str] | None = None) -> Any:
    data = urllib.parse.urlencode(fields).encode()
    request = urllib.request.Request(url, data=data, headers=headers or {})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


# auth and people ------------------------------------------------------------------------------


def test_auth_test_names_the_bot(slack: WebClient) -> None:
    assert slack.auth_test()["user_id"] == "U0BOT0001"


def test_wrong_or_missing_token_is_refused(emulator: SlackEmulator) -> None:
    bad = WebClient(base_url=emulator.api_url, token="xoxb-wrong")
    assert error_of(bad.auth_test) == "invalid_auth"
    assert post_form(emulator.api_url + "auth.test", {})["error"] == "not_authed"


def test_token_may_come_as_a_form_field(emulator: SlackEmulator) -> None:
    body = post_form(emulator.api_url + "auth.test", {"token": emulator.bot_token})
    assert body["ok"] is True


def test_unknown_method(slack: WebClient) -> None:
    assert error_of(slack.api_call, api_method="chat.postMesage") == "unknown_method"


def test_users_info_reports_time_zones(slack: WebClient, emulator: SlackEmulator) -> None:
    user = slack.users_info(user=emulator.workspace.user("ananya.blr").id)["user"]
    assert (user["tz"], user["tz_offset"], user["tz_label"]) == (
        "Asia/Kolkata",
        19800,
        "India Standard Time",
    )
    assert error_of(slack.users_info, user="U0NOBODY1") == "user_not_found"


def test_sample_team_spans_the_world(emulator: SlackEmulator) -> None:
    ws = emulator.workspace
    zones = {u.tz for u in ws.users.values() if not u.is_bot and not u.deleted}
    assert {"America/Los_Angeles", "Asia/Kolkata", "Australia/Sydney", "Europe/Berlin"} <= zones
    assert ws.user("maya.hm").id == "U0HM00001"
    assert ws.user("sam.former").deleted


def test_lookup_by_email_skips_deleted_users(slack: WebClient) -> None:
    assert slack.users_lookupByEmail(email="Maya@example.com")["user"]["id"] == "U0HM00001"
    assert error_of(slack.users_lookupByEmail, email="sam@example.com") == "users_not_found"


# conversations ------------------------------------------------------------------------------


def test_conversations_open_gives_a_stable_dm(slack: WebClient) -> None:
    first = slack.conversations_open(users="U0PN00001")["channel"]["id"]
    again = slack.conversations_open(users=["U0PN00001"])
    assert first.startswith("D") and again["channel"]["id"] == first
    assert again["already_open"] is True


def test_deleted_user_cannot_be_messaged(slack: WebClient) -> None:
    assert error_of(slack.conversations_open, users="U0DL00001") == "user_disabled"
    assert error_of(slack.chat_postMessage, channel="U0DL00001", text="hi") == "channel_not_found"


def test_posting_where_the_bot_is_not_a_member(slack: WebClient, emulator: SlackEmulator) -> None:
    assert error_of(slack.chat_postMessage, channel="C0HIRING1", text="hi") == "not_in_channel"
    emulator.workspace.join("hiring", "loopbot")
    assert slack.chat_postMessage(channel="#hiring", text="hi")["channel"] == "C0HIRING1"


def test_members_page_by_page_and_kick(slack: WebClient) -> None:
    channel = slack.conversations_create(name="loop-grace-hopper", is_private=True)["channel"]["id"]
    slack.conversations_invite(channel=channel, users=["U0HM00001", "U0PN00004", "U0IL00001"])
    seen, cursor, pages = [], "", 0
    while True:
        page = slack.conversations_members(channel=channel, limit=2, cursor=cursor)
        seen += page["members"]
        pages += 1
        cursor = page["response_metadata"]["next_cursor"]
        if not cursor:
            break
    assert pages == 2 and len(seen) == len(set(seen)) == 4  # the bot among them
    assert error_of(slack.conversations_members, channel=channel, cursor="%%") == "invalid_cursor"
    assert error_of(slack.conversations_members, channel=channel, limit=0) == "invalid_limit"
    slack.conversations_kick(channel=channel, user="U0PN00004")
    assert "U0PN00004" not in slack.conversations_members(channel=channel)["members"]
    kick = slack.conversations_kick
    assert error_of(kick, channel=channel, user="U0PN00004") == "not_in_channel"
    assert error_of(kick, channel=channel, user="U0NOBODY1") == "user_not_found"


def test_unknown_channel(slack: WebClient) -> None:
    assert error_of(slack.chat_postMessage, channel="C0NOPE", text="hi") == "channel_not_found"


def test_create_invite_and_read_back(slack: WebClient, emulator: SlackEmulator) -> None:
    channel = slack.conversations_create(name="loop-ada-lovelace")["channel"]
    assert channel["is_member"] is True
    slack.conversations_invite(channel=channel["id"], users=["U0HM00001", "U0PN00004"])
    info = slack.conversations_info(channel=channel["id"], include_num_members=True)
    assert info["channel"]["num_members"] == 3
    assert error_of(slack.conversations_create, name="loop-ada-lovelace") == "name_taken"
    assert error_of(slack.conversations_create, name="Loop Ada") == "invalid_name_specials"
    assert error_of(slack.conversations_create, name="general") == "invalid_name"
    invite = slack.conversations_invite
    assert error_of(invite, channel=channel["id"], users="U0NOBODY1") == "user_not_found"
    assert error_of(invite, channel=channel["id"], users="U0HM00001") == "already_in_channel"
    assert error_of(invite, channel="C0HIRING1", users="U0HM00001") == "not_in_channel"


def test_history_is_newest_first_and_paginates(slack: WebClient, clock: ManualClock) -> None:
    channel = slack.conversations_create(name="loop-history")["channel"]["id"]
    for n in range(5):
        slack.chat_postMessage(channel=channel, text=f"note {n}")
        clock.advance(1)
    page = slack.conversations_history(channel=channel, limit=3)
    assert [m["text"] for m in page["messages"]] == ["note 4", "note 3", "note 2"]
    assert page["has_more"] is True
    rest = slack.conversations_history(
        channel=channel, limit=3, cursor=page["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in rest["messages"]] == ["note 1", "note 0"]
    assert error_of(slack.conversations_history, channel=channel, cursor="@@") == "invalid_cursor"


# messages -----------------------------------------------------------------------------------


def test_dm_is_recorded(slack: WebClient, emulator: SlackEmulator) -> None:
    slack.chat_postMessage(channel="U0PN00005", text="Your interview is at 09:00 Sydney time")
    assert [m.text for m in emulator.dms_to("liam.syd")] == [
        "Your interview is at 09:00 Sydney time"
    ]


def test_too_many_blocks_is_a_violation(slack: WebClient, emulator: SlackEmulator) -> None:
    dm = slack.conversations_open(users="U0HM00001")["channel"]["id"]
    with pytest.raises(SlackApiError) as caught:
        slack.chat_postMessage(channel=dm, text="x", blocks=[{"type": "divider"}] * 51)
    assert caught.value.response["error"] == "invalid_blocks"
    assert "51 blocks" in caught.value.response["response_metadata"]["messages"][0]
    assert any("51 blocks" in v for v in emulator.violations)
    emulator.violations.clear()
    assert emulator.dms_to("maya.hm") == []


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_text_limits(slack: WebClient, emulator: SlackEmulator) -> None:
    dm = slack.conversations_open(users="U0HM00001")["channel"]["id"]
    assert error_of(slack.chat_postMessage, channel=dm, text="") == "no_text"
    assert error_of(slack.chat_postMessage, channel=dm, text="x" * 40001) == "msg_too_long"
    assert emulator.violations
    emulator.violations.clear()


def test_form_encoded_blocks_are_decoded(emulator: SlackEmulator) -> None:
    emulator.workspace.im_for("U0HM00001")
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*Loop* ready"}}]
    fields = {"channel": "D0HM00001", "text": "Loop ready", "blocks": json.dumps(blocks)}
    auth = {"Authorization": f"Bearer {emulator.bot_token}"}
    assert post_form(emulator.api_url + "chat.postMessage", fields, auth)["ok"] is True
    assert emulator.calls_to("chat.postMessage")[0].args["blocks"][0]["type"] == "section"
    fields["blocks"] = "[not json"
    assert post_form(emulator.api_url + "chat.postMessage", fields, auth)["error"] == (
        "invalid_blocks_format"
    )


def test_update_and_delete_own_messages_only(slack: WebClient, emulator: SlackEmulator) -> None:
    dm = slack.conversations_open(users="U0HM00001")["channel"]["id"]
    ts = slack.chat_postMessage(channel=dm, text="Draft")["ts"]
    slack.chat_update(channel=dm, ts=ts, text="Final")
    (message,) = emulator.messages_in(dm)
    assert message.text == "Final" and [e.text for e in message.edits] == ["Draft"]
    assert error_of(slack.chat_update, channel=dm, ts="1.000001", text="x") == "message_not_found"
    human = emulator.workspace.add_message(Message(dm, "1760000000.000009", "U0HM00001", "hey"))
    assert error_of(slack.chat_update, channel=dm, ts=human.ts, text="x") == "cant_update_message"
    assert error_of(slack.chat_delete, channel=dm, ts=human.ts) == "cant_delete_message"
    slack.chat_delete(channel=dm, ts=ts)
    assert [m.ts for m in emulator.messages_in(dm)] == [human.ts]


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_an_update_keeps_the_blocks_only_when_it_leaves_out_the_text(
    slack: WebClient, emulator: SlackEmulator
) -> None:
    """As chat.update's reference says: new text without blocks replaces the blocks."""
    dm = slack.conversations_open(users="U0HM00001")["channel"]["id"]
    button = {"type": "button", "text": {"type": "plain_text", "text": "Go"}, "action_id": "go"}
    blocks = [{"type": "actions", "elements": [button]}]
    ts = slack.chat_postMessage(channel=dm, text="Pick", blocks=blocks)["ts"]
    slack.chat_update(channel=dm, ts=ts, blocks=blocks)
    (message,) = emulator.messages_in(dm)
    assert '"action_id": "go"' in json.dumps(message.blocks) and message.text == "Pick"
    slack.chat_update(channel=dm, ts=ts, text="Done: no answer needed")
    (message,) = emulator.messages_in(dm)
    assert message.text == "Done: no answer needed" and not message.blocks


def test_a_message_a_test_holds_stays_as_it_was_shown(
    slack: WebClient, emulator: SlackEmulator
) -> None:
    """Like a screen: an edit, a reply replacing it or a delete changes the workspace, not the
    copy already read (a double click sends the message as it was)."""
    dm = slack.conversations_open(users="U0HM00001")["channel"]["id"]
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "Awaiting decision"}}
    ts = slack.chat_postMessage(channel=dm, text="Summary", blocks=[section])["ts"]
    (shown,) = emulator.messages_in(dm)
    (dm_shown,) = emulator.dms_to("U0HM00001")
    decided = {"type": "section", "text": {"type": "mrkdwn", "text": "Decided: Hire"}}
    slack.chat_update(channel=dm, ts=ts, text="Decided", blocks=[decided])
    for held in (shown, dm_shown):
        assert held.text == "Summary" and held.edits == []
        assert held.blocks and held.blocks[0]["text"]["text"] == "Awaiting decision"
    (now,) = emulator.messages_in(dm)
    assert now.blocks and now.blocks[0]["text"]["text"] == "Decided: Hire"
    assert [e.text for e in now.edits] == ["Summary"]
    slack.chat_delete(channel=dm, ts=ts)
    assert not now.deleted and emulator.messages_in(dm) == []


def test_ephemeral_only_to_channel_members(slack: WebClient, emulator: SlackEmulator) -> None:
    channel = slack.conversations_create(name="loop-ephemeral")["channel"]["id"]
    slack.conversations_invite(channel=channel, users="U0HM00001")
    slack.chat_postEphemeral(channel=channel, user="U0HM00001", text="only you")
    assert emulator.messages_in(channel) == []
    assert emulator.messages_in(channel, include_ephemeral=True)[0].ephemeral_for == "U0HM00001"
    post = slack.chat_postEphemeral
    assert error_of(post, channel=channel, user="U0PN00001", text="x") == "user_not_in_channel"


# views ---------------------------------------------------------------------------------------


def test_trigger_ids_expire_and_are_single_use(
    slack: WebClient, emulator: SlackEmulator, clock: ManualClock
) -> None:
    trigger = emulator.issue_trigger_id("maya.hm")
    view = slack.views_open(trigger_id=trigger, view=MODAL)["view"]
    assert emulator.open_views("maya.hm")[0]["id"] == view["id"]
    assert error_of(slack.views_open, trigger_id=trigger, view=MODAL) == "exchanged_trigger_id"
    stale = emulator.issue_trigger_id("maya.hm")
    clock.advance(3.5)
    assert error_of(slack.views_open, trigger_id=stale, view=MODAL) == "expired_trigger_id"
    assert error_of(slack.views_open, trigger_id="1.2.abc", view=MODAL) == "invalid_trigger_id"


def test_invalid_view_is_refused_and_recorded(slack: WebClient, emulator: SlackEmulator) -> None:
    long_title = dict(MODAL, title={"type": "plain_text", "text": "Create a new interview loop"})
    trigger = emulator.issue_trigger_id("maya.hm")
    response = error_of(slack.views_open, trigger_id=trigger, view=long_title)
    assert response == "invalid_arguments"
    assert any("view.title.text" in v for v in emulator.violations)
    emulator.violations.clear()
    # A refused view does not use up the trigger.
    assert slack.views_open(trigger_id=trigger, view=MODAL)["ok"]


def test_push_update_and_hash(slack: WebClient, emulator: SlackEmulator) -> None:
    root = slack.views_open(trigger_id=emulator.issue_trigger_id("maya.hm"), view=MODAL)["view"]
    pushed = slack.views_push(trigger_id=emulator.issue_trigger_id("maya.hm"), view=MODAL)["view"]
    assert pushed["previous_view_id"] == root["id"] and pushed["root_view_id"] == root["id"]
    updated = slack.views_update(view_id=root["id"], hash=root["hash"], view=MODAL)["view"]
    assert updated["hash"] != root["hash"]
    stale = error_of(slack.views_update, view_id=root["id"], hash=root["hash"], view=MODAL)
    assert stale == "hash_conflict"
    assert error_of(slack.views_update, view_id="V0NOPE", view=MODAL) == "not_found"
    slack.views_push(trigger_id=emulator.issue_trigger_id("maya.hm"), view=MODAL)
    assert (
        error_of(slack.views_push, trigger_id=emulator.issue_trigger_id("maya.hm"), view=MODAL)
        == "push_limit_reached"
    )


def test_update_by_external_id(slack: WebClient, emulator: SlackEmulator) -> None:
    view = dict(MODAL, external_id="loop-42")
    slack.views_open(trigger_id=emulator.issue_trigger_id("maya.hm"), view=view)
    renamed = dict(view, title={"type": "plain_text", "text": "Loop 42"})
    assert slack.views_update(external_id="loop-42", view=renamed)["view"]["title"]["text"] == (
        "Loop 42"
    )
    again = error_of(slack.views_open, trigger_id=emulator.issue_trigger_id("grace.chi"), view=view)
    assert again == "duplicate_external_id"


def test_publish_home_tab(slack: WebClient, emulator: SlackEmulator) -> None:
    first = slack.views_publish(user_id="U0RC00001", view=HOME)["view"]
    assert emulator.home_of("oliver.rec")["blocks"][0]["text"]["text"] == "Hi"
    assert error_of(slack.views_publish, user_id="U0RC00001", view=HOME, hash="0.x") == (
        "hash_conflict"
    )
    again = slack.views_publish(user_id="U0RC00001", view=HOME, hash=first["hash"])["view"]
    assert again["id"] == first["id"]
    assert error_of(slack.views_publish, user_id="U0RC00001", view=MODAL) == "invalid_arguments"
    emulator.violations.clear()


# rate limits and faults ----------------------------------------------------------------------


def test_fourth_quick_post_to_one_channel_is_rate_limited(
    check_documented: Any, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The SDK waits out Retry-After as it always does, on the emulator's clock: no real sleep.
    from slack_sdk.http_retry import builtin_handlers

    monkeypatch.setattr(builtin_handlers, "time", SimpleNamespace(sleep=clock.advance))
    with SlackEmulator(rate_scale=20.0, clock=clock) as em:
        em.workspace.join("hiring", "loopbot")
        plain = WebClient(base_url=em.api_url, token=em.bot_token)
        for n in range(3):
            plain.chat_postMessage(channel="C0HIRING1", text=f"update {n}")
        with pytest.raises(SlackApiError) as caught:
            plain.chat_postMessage(channel="C0HIRING1", text="update 3")
        assert caught.value.response.status_code == 429
        assert caught.value.response.headers["Retry-After"] == "1"
        assert caught.value.response["error"] == "ratelimited"
        patient = WebClient(
            base_url=em.api_url,
            token=em.bot_token,
            retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
        )
        for n in range(3):
            patient.chat_postMessage(channel="C0HIRING1", text=f"again {n}")
        assert len(em.messages_in("hiring")) == 6
        check_documented(em.calls)


def test_tier_limits_refill_with_the_clock(clock: ManualClock) -> None:
    with SlackEmulator(clock=clock) as em:
        slack = WebClient(base_url=em.api_url, token=em.bot_token)
        for n in range(22):  # Tier 2: 20 a minute plus a small burst
            slack.conversations_create(name=f"loop-{n}")
        assert error_of(slack.conversations_create, name="loop-late") == "ratelimited"
        clock.advance(60)
        assert slack.conversations_create(name="loop-late")["ok"]


def test_workspace_ceiling_limits_posts_across_channels(
    clock: ManualClock, check_documented: Any
) -> None:
    with SlackEmulator(clock=clock, workspace_posts_per_second=2) as em:
        slack = WebClient(base_url=em.api_url, token=em.bot_token)
        slack.chat_postMessage(channel="U0HM00001", text="one")
        slack.chat_postMessage(channel="U0RC00001", text="two")
        with pytest.raises(SlackApiError) as caught:  # a fresh channel, but the team is at 2/s
            slack.chat_postMessage(channel="U0IL00001", text="three")
        assert caught.value.response.status_code == 429
        assert caught.value.response.headers["Retry-After"] == "1"
        assert caught.value.response["error"] == "ratelimited"
        assert em.limiter.refused == {"chat.postMessage workspace": 1}
        clock.advance(1)
        slack.chat_postMessage(channel="U0IL00001", text="three")
        slack.chat_postMessage(channel="U0IL00001", text="four")
        assert [m.text for m in em.dms_to("U0IL00001")] == ["three", "four"]
        assert [c.status for c in em.calls_to("chat.postMessage")] == [200, 200, 429, 200, 200]
        check_documented(em.calls)


def test_rate_limits_can_be_switched_off() -> None:
    with SlackEmulator(rate_limits=False) as em:
        em.workspace.join("hiring", "loopbot")
        slack = WebClient(base_url=em.api_url, token=em.bot_token)
        for n in range(10):
            slack.chat_postMessage(channel="C0HIRING1", text=f"update {n}")


def test_fail_next_injects_errors_statuses_and_delays(
    slack: WebClient, emulator: SlackEmulator
) -> None:
    emulator.fail_next("auth.test", error="account_inactive", times=2)
    assert error_of(slack.auth_test) == "account_inactive"
    assert error_of(slack.auth_test) == "account_inactive"
    assert slack.auth_test()["ok"]
    emulator.fail_next("auth.test", status=503)
    with pytest.raises(SlackApiError) as caught:
        slack.auth_test()
    assert caught.value.response.status_code == 503
    emulator.fail_next("auth.test", retry_after=7)
    with pytest.raises(SlackApiError) as caught:
        slack.auth_test()
    assert caught.value.response.headers["Retry-After"] == "7"
    emulator.fail_next("auth.test", delay=0.5)
    impatient = WebClient(base_url=emulator.api_url, token=emulator.bot_token, timeout=0.1)
    with pytest.raises(OSError):
        impatient.auth_test()
    assert [c.status for c in emulator.calls_to("auth.test")][:5] == [200, 200, 200, 503, 429]


# records, response_url, threads ---------------------------------------------------------------


def test_calls_are_recorded_with_decoded_args(slack: WebClient, emulator: SlackEmulator) -> None:
    slack.views_publish(user_id="U0RC00001", view=HOME)
    (call,) = emulator.calls_to("views.publish")
    assert call.args["view"]["type"] == "home" and call.status == 200 and call.ok
    assert "token" not in call.args
    emulator.reset_calls()
    assert emulator.calls == []


def test_response_url_posts_are_recorded_and_checked(emulator: SlackEmulator) -> None:
    emulator.workspace.im_for("U0HM00001")
    url = emulator.issue_response_url("D0HM00001", None, "U0HM00001")

    def post(body: dict[str, Any]) -> int:
        request = urllib.request.Request(
            url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    assert post({"text": "Loop created", "response_type": "ephemeral"}) == 200
    assert emulator.messages_in("D0HM00001", include_ephemeral=True)[0].text == "Loop created"
    assert post({"blocks": [{"type": "mystery"}]}) == 400
    assert len(emulator.responses(url)) == 2
    assert any("mystery" in v for v in emulator.violations)
    emulator.violations.clear()


def test_concurrent_posts_get_distinct_ts(slack: WebClient, emulator: SlackEmulator) -> None:
    dm = slack.conversations_open(users="U0HM00001")["channel"]["id"]
    seen: list[str] = []

    def post(n: int) -> None:
        seen.append(slack.chat_postMessage(channel=dm, text=f"n{n}")["ts"])

    threads = [threading.Thread(target=post, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(seen)) == 8 and len(emulator.dms_to("maya.hm")) == 8


def test_stop_frees_the_port() -> None:
    em = SlackEmulator().start()
    url = em.api_url
    em.stop()
    started = time.monotonic()
    with pytest.raises(OSError):
        urllib.request.urlopen(url + "auth.test", timeout=1)
    assert time.monotonic() - started < 1.5


def test_methods_and_tiers_match_slacks_reference() -> None:
    from bot.emulator.ratelimit import METHOD_TIERS
    from bot.emulator.webapi import METHODS

    from_reference = Path(__file__).resolve().parents[1] / "reference" / "slack" / "methods"
    if not from_reference.is_dir():
        pytest.skip("Slack method reference not available beside the repository")
    for method in METHODS:
        page = json.loads((from_reference / f"{method}.json").read_text())
        label = page["rate_limit"]["label"]
        if label.startswith("Tier "):
            assert METHOD_TIERS[method] == int(label.split()[1].rstrip(":")), method
