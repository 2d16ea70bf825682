"""tests/e2e/test_loop_create.py, delivered over Socket Mode."""

from tests.e2e.test_loop_create import *  # noqa: F403 - the same stories, collected here
