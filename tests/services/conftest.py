"""Services against real databases: a loop from the shipped AI-first document."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.documents import Library, load_library
from bot.loops.requests import LoopRequest
from bot.settings import SEEDS_DIR

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)  # a Friday
HM, REC, IL, XS = "U0HM00001", "U0RC00001", "U0IL00001", "U0EX00001"
POOL = ["U0PN00001", "U0PN00002", "U0PN00003", "U0PN00004"]


@pytest.fixture(scope="session")
def library() -> Library:
    return load_library(SEEDS_DIR)


def loop_request(**changes) -> LoopRequest:
    values = {
        "candidate_name": "Juyoung Park",
        "candidate_key": "phoenix_005_juyoung_park",
        "template_id": "ai-first-engineering",
        "variant": None,
        "candidate_tz": "Asia/Seoul",
        "first_day": date(2026, 11, 24),
        "people": {"HM": [HM], "REC": [REC], "IL": [IL], "PI": POOL, "XS": [XS]},
        "channel_id": "C0DEBRIEF",
        "created_by": REC,
    }
    values.update(changes)
    return LoopRequest(**values)
