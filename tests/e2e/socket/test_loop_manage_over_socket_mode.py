"""tests/e2e/test_loop_manage.py, delivered over Socket Mode."""

from tests.e2e.test_loop_manage import *  # noqa: F403 - the same stories, collected here
