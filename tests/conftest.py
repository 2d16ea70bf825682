"""Shared fixtures: documents, databases (SQLite always, PostgreSQL when a server is given)."""

from __future__ import annotations

import gc
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from bot.sandbox import Sandbox, copy_migrated
from bot.settings import SEEDS_DIR, get_settings
from bot.store import Database
from bot.store.migrate import upgrade

REFERENCE = Path(__file__).parent / "reference"
SHARED_SEEDS = REFERENCE / "seeds"
POSTGRES_URL_ENV = "LOOPBOT_TEST_POSTGRES_URL"


def pytest_collection_finish(session: pytest.Session) -> None:
    """The garbage collector cost each worker about a seventh of its CPU (9 of 60-75 s, mostly
    full passes over everything collection imported). What collection imported lives until the
    end: frozen, no pass walks it again. And a pass comes after 20,000 new objects rather than
    700, and a full one after 100 middle ones rather than 10: a story makes many objects that
    live as long as its sandbox. Measured with `gc.callbacks`: about 4.5 s a worker now."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 100)


@pytest.fixture(autouse=True)
def _logging_put_back() -> Iterator[None]:
    """`loopbot serve` run in this process (to test what it refuses) sets up logging to the
    stderr of the moment, a test's capture, which closes with the test: a later record from any
    thread would then fail to write ("--- Logging error ---"). Put the logging back."""
    root = logging.getLogger()
    names = ("slack_sdk", "slack_bolt", "urllib3", "apscheduler.executors")
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    for handler in list(root.handlers):
        if type(handler) is logging.StreamHandler and handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)
    for name, was in levels.items():
        logging.getLogger(name).setLevel(was)


@pytest.fixture(autouse=True)
def _settings_read_afresh() -> Iterator[None]:
    """`loopbot` commands run in this process read their settings once (`get_settings`); each
    test's environment is its own, so nothing read for one test serves the next (a `db compact`
    would otherwise rewrite an earlier test's database, not this one's)."""
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def seeds() -> Path:
    return SEEDS_DIR


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    """A database at the newest schema: a copy of one migrated once per test process."""
    copy_migrated(tmp_path / "loopbot.db")
    db = Database(f"sqlite:///{tmp_path / 'loopbot.db'}")
    yield db
    db.dispose()


def postgres_admin_url() -> str:
    url = os.environ.get(POSTGRES_URL_ENV)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"{POSTGRES_URL_ENV} is not set; CI must run the PostgreSQL tests")
    pytest.skip(f"PostgreSQL tests need {POSTGRES_URL_ENV} (CI starts a server and sets it)")


@contextmanager
def _database(template: str | None = None) -> Iterator[str]:
    """A new database on the test server (a copy of `template`, else empty), dropped after."""
    admin_url = postgres_admin_url().replace("postgresql://", "postgresql+psycopg://", 1)
    name = f"loopbot_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    copy = f' TEMPLATE "{template}"' if template else ""
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    base, _, _ = admin_url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, empty database on the test server, dropped afterwards."""
    with _database() as url:
        yield url


@pytest.fixture(scope="session")
def _postgres_migrated() -> Iterator[str]:
    """A database migrated once per test process: each `postgres_db` starts as a copy of it."""
    with _database() as url:
        db = Database(url)
        upgrade(db)
        db.dispose()  # a template must have no connection when it is copied
        yield url.rpartition("/")[2]


@pytest.fixture
def postgres_db(_postgres_migrated: str) -> Iterator[Database]:
    with _database(template=_postgres_migrated) as url:
        db = Database(url)
        yield db
        db.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest) -> Database:
    """Runs the test once per engine."""
    name = "sqlite_db" if request.param == "sqlite" else "postgres_db"
    return request.getfixturevalue(name)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """The bot and Slack, on SQLite; fails the test on any Block Kit violation it produced."""
    from handlers import create_app
    from handlers.http import make_wsgi_app
    from tests.emulator.conftest import assert_documented

    with Sandbox(create_app, make_wsgi_app) as sb:
        yield sb
        violations = list(sb.emulator.violations)
        calls = list(sb.emulator.calls)
    assert not violations, f"Block Kit / Slack rule violations: {violations}"
    assert_documented(calls)


@pytest.fixture
def sb(sandbox: Sandbox) -> Sandbox:
    """The sandbox with the bot's clock on the stories' Monday morning."""
    from tests.e2e.helpers import MONDAY

    sandbox.now = MONDAY
    return sandbox
