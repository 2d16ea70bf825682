"""The Web API client loopbot uses: retries connection errors and 5xx, waits out 429s (unless
the caller paces itself), on pooled keep-alive connections."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator

from bot import metrics
from bot.slack.transport import PooledWebClient


def make_client(
    token: str,
    api_url: str,
    *,
    retries: int = 4,
    timeout: int = 10,
    wait_on_rate_limits: bool = True,
    wait: Callable[[float], None] = time.sleep,
) -> WebClient:
    """A WebClient that retries connection and 5xx errors and, unless told not to, waits out
    429s (Retry-After). The dispatcher does not wait: it puts a rate-limited row back and goes
    on with other people's messages (`RateLimited`). `wait` passes the pauses between
    attempts (the sandbox moves its emulated Slack's clock on instead of sleeping)."""
    backoff = _WaitedBackoff(wait)
    handlers = [
        ConnectionErrorRetryHandler(max_retry_count=retries, interval_calculator=backoff),
        ServerErrorRetryHandler(max_retry_count=2, interval_calculator=backoff),
    ]
    if wait_on_rate_limits:
        handlers.insert(0, _CountedRateLimitRetry(max_retry_count=retries, wait=wait))
    return PooledWebClient(token=token, base_url=api_url, timeout=timeout, retry_handlers=handlers)


class _WaitedBackoff(BackoffRetryIntervalCalculator):
    """The SDK's exponential backoff with jitter, passed through `wait`; the handler's own
    sleep then gets nothing left to sleep."""

    def __init__(self, wait: Callable[[float], None]):
        super().__init__()
        self._wait = wait

    def calculate_sleep_duration(self, current_attempt: int) -> float:
        self._wait(super().calculate_sleep_duration(current_attempt))
        return 0.0


class _CountedRateLimitRetry(RateLimitErrorRetryHandler):
    """Waits out a 429 (Retry-After, plus up to a second of jitter) as the SDK does, counting
    it for /metrics first."""

    def __init__(self, *, max_retry_count: int, wait: Callable[[float], None]):
        super().__init__(max_retry_count=max_retry_count)
        self._wait = wait

    def prepare_for_next_attempt(self, *, state, request, response=None, error=None) -> None:
        if response is None:
            raise error
        metrics.slack_call(request.url.rsplit("/", 1)[-1], "rate_limited")
        state.next_attempt_requested = True
        self._wait(retry_after(response.headers) + random.random())
        state.increment_current_attempt()


def retry_after(headers: dict[str, Any]) -> float:
    """Seconds Slack asks to wait (its Retry-After header; 1 s when it gives none)."""
    for name, value in (headers or {}).items():
        if name.lower() == "retry-after":
            raw = value[0] if isinstance(value, list) else value
            try:
                return max(0.0, float(raw))
            except (TypeError, ValueError):
                break
    return 1.0
