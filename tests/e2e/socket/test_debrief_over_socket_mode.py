"""tests/e2e/test_debrief.py, delivered over Socket Mode."""

from tests.e2e.test_debrief import *  # noqa: F403 - the same stories, collected here
