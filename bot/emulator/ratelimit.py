"""Slack's Web API rate limits: per-method tiers, chat.postMessage's per-channel limit and an
optional workspace-wide ceiling on chat.postMessage."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

# Calls per minute for each documented tier.
TIER_PER_MINUTE = {1: 1, 2: 20, 3: 50, 4: 100}

# From Slack's method reference; auth.test's "special" limit is generous, so it gets Tier 4.
METHOD_TIERS = {
    "auth.test": 4,
    "users.info": 4,
    "users.lookupByEmail": 3,
    "conversations.open": 3,
    "conversations.create": 2,
    "conversations.invite": 3,
    "conversations.kick": 3,
    "conversations.members": 4,
    "conversations.info": 3,
    "conversations.history": 3,
    "chat.postEphemeral": 4,
    "chat.update": 3,
    "chat.delete": 3,
    "views.open": 4,
    "views.update": 4,
    "views.push": 4,
    "views.publish": 4,
    "files.getUploadURLExternal": 4,
    "files.completeUploadExternal": 4,
}

# chat.postMessage: about one message per second per channel, with a short burst allowed.
POST_PER_SECOND = 1.0
POST_BURST = 3


@dataclass
class _Bucket:
    capacity: float
    per_second: float
    tokens: float
    updated: float

    def wait(self, now: float) -> float | None:
        """Refill up to `now`; None if a token is there, else seconds until one is."""
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.per_second)
        self.updated = now
        if self.tokens >= 1.0:
            return None
        return (1.0 - self.tokens) / self.per_second

    def take(self, now: float) -> float | None:
        """Spend one token; None if allowed, else seconds until one is available."""
        wait = self.wait(now)
        if wait is None:
            self.tokens -= 1.0
        return wait


class RateLimiter:
    """Token buckets per method (and per channel for chat.postMessage); not thread-safe alone.

    `workspace_posts_per_second` adds a ceiling on chat.postMessage across all channels together
    (None: no ceiling), with a burst of one second's worth; like every limit here it runs
    `scale` times faster. A post must pass both its channel's bucket and the ceiling, and is
    charged to neither when refused. `refused` counts the 429s by the limit that gave them.
    """

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        enabled: bool = True,
        scale: float = 1.0,
        workspace_posts_per_second: float | None = None,
    ) -> None:
        if scale <= 0:
            raise ValueError("rate_scale must be positive")
        if workspace_posts_per_second is not None and workspace_posts_per_second <= 0:
            raise ValueError("workspace_posts_per_second must be positive")
        self.clock = clock
        self.enabled = enabled
        self.scale = scale
        self.workspace_posts_per_second = workspace_posts_per_second
        self.refused: Counter[str] = Counter()
        self._buckets: dict[tuple[str, str], _Bucket] = {}

    def _bucket(self, key: tuple[str, str], capacity: float, per_second: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = _Bucket(capacity, per_second * self.scale, capacity, self.clock())
            self._buckets[key] = bucket
        return bucket

    def check(self, method: str, channel: str | None = None) -> int | None:
        """None if the call may go ahead, else the Retry-After in whole seconds."""
        if not self.enabled:
            return None
        now = self.clock()
        if method == "chat.postMessage":
            wait = self._post(now, channel or "")
        else:
            per_minute = TIER_PER_MINUTE[METHOD_TIERS.get(method, 4)]
            # Slack lets short bursts through beyond the nominal per-minute figure.
            capacity = per_minute + math.ceil(per_minute / 10)
            wait = self._bucket((method, ""), capacity, per_minute / 60.0).take(now)
            if wait is not None:
                self.refused[method] += 1
        if wait is None:
            return None
        # Retry-After is whole seconds on the wire, and Slack never says 0.
        return max(1, math.ceil(wait))

    def _post(self, now: float, channel: str) -> float | None:
        own = self._bucket(("chat.postMessage", channel), POST_BURST, POST_PER_SECOND)
        waits = {"chat.postMessage per channel": own.wait(now)}
        ceiling = None
        if self.workspace_posts_per_second is not None:
            rate = self.workspace_posts_per_second
            ceiling = self._bucket(("chat.postMessage", "*workspace*"), max(1.0, rate), rate)
            waits["chat.postMessage workspace"] = ceiling.wait(now)
        refused = {limit: wait for limit, wait in waits.items() if wait is not None}
        if refused:
            self.refused.update(refused.keys())
            return max(refused.values())
        own.take(now)
        if ceiling is not None:
            ceiling.take(now)
        return None

    def reset(self) -> None:
        """Forget all spending, as if a quiet minute had passed everywhere."""
        self._buckets.clear()
        self.refused.clear()
