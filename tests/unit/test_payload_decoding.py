"""An interaction's payload is read the way Slack encoded it, whatever it holds."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, quote, urlencode

from hypothesis import given
from hypothesis import strategies as st

from handlers.http import _lone_payload


@given(st.text())
def test_a_payload_decodes_as_parse_qs_decodes_it(text: str) -> None:
    body = urlencode({"payload": json.dumps({"type": "block_actions", "value": text})})
    assert _lone_payload(body) == parse_qs(body, keep_blank_values=True)["payload"][0]


@given(st.binary())
def test_any_escaped_bytes_decode_as_parse_qs_decodes_them(raw: bytes) -> None:
    body = "payload=" + quote(raw, safe="")
    expected = parse_qs(body, keep_blank_values=True).get("payload", [""])[0]
    decoded = _lone_payload(body)
    assert decoded is None or decoded == expected


def test_other_shapes_are_left_to_the_form_parser() -> None:
    for body in ("payload=a=b", "payload=%zz", "payload=a&x=1", "command=%2Floop", "payload=é"):
        assert _lone_payload(body) is None
