"""tests/e2e/test_scorecards.py, delivered over Socket Mode."""

from tests.e2e.test_scorecards import *  # noqa: F403 - the same stories, collected here
