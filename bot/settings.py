"""The one place loopbot reads its environment."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict
from pydantic_settings.exceptions import SettingsError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.reminders import policy
from bot.resources import shipped

REMINDER_KINDS = policy.KINDS
"""The kinds `LOOPBOT_REMINDERS` may move (bot.reminders.policy.DEFAULT_OFFSETS)."""
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
SEEDS_DIR = shipped("seeds")


class Settings(BaseSettings):
    # `inf` and `nan` are numbers to Python, but no count of seconds or hours.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", allow_inf_nan=False
    )

    slack_bot_token: SecretStr = SecretStr("")
    slack_signing_secret: SecretStr = SecretStr("")
    slack_app_token: SecretStr = Field(SecretStr(""), description="xapp- token, Socket Mode only")
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite:///loopbot.db"
    loopbot_docs: Path = SEEDS_DIR
    port: int = Field(3000, ge=1, le=65535)
    host: str = "0.0.0.0"
    loopbot_log_json: bool = False
    loopbot_log_level: str = "INFO"
    loopbot_admins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Slack user ids"
    )
    loopbot_threads: int = Field(8, ge=1, le=256, description="server threads per process")
    loopbot_processes: int = Field(
        1, ge=1, le=256, description="serving processes on one listening port (one per core)"
    )
    loopbot_weekly_cap: int | None = Field(None, ge=1, description="interviews per person per week")
    loopbot_working_hours: str = Field(
        "Mon-Fri 09:00-17:30",
        description="interview days and hours, local to each person, until they set their own",
    )
    loopbot_buffer_minutes: int = Field(
        15, ge=0, le=240, description="free minutes kept around each person's interviews"
    )
    loopbot_daily_max: int | None = Field(
        3, ge=1, le=24, description="interviews per person per day (their local day)"
    )
    loopbot_reminders: Annotated[dict[str, int], NoDecode] = Field(
        default_factory=dict, description='minutes per reminder kind, e.g. {"guide": -2880}'
    )
    loopbot_feedback_days: int = Field(
        5, ge=0, le=20, description="daily scorecard reminders after the first, in working days"
    )
    loopbot_feedback_escalate_day: int = Field(
        2, ge=1, le=20, description="working day on which a missing scorecard is escalated"
    )
    loopbot_places: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=dict,
        description='a live round\'s place by variant, e.g. {"on-site": "Room 4.1", "remote": "https://…"}',
    )
    loopbot_submission_days: int = Field(
        3, ge=1, le=60, description="working days a candidate has for an asynchronous round"
    )
    loopbot_review_days: int = Field(
        2, ge=1, le=30, description="the reviewer's working days to review a submission"
    )
    loopbot_retention_days: int | None = Field(
        None, ge=1, description="erase finished loops this many days after their last change"
    )
    loopbot_tick_seconds: float = Field(5.0, gt=0, description="how often the dispatcher looks")
    loopbot_replacement_asks: int = Field(
        2, ge=1, le=10, description="people asked in turn for a declined round before the recruiter"
    )
    loopbot_replacement_cutoff_hours: float = Field(
        48, ge=0, le=24 * 14, description="closer than this to the interview, the recruiter picks"
    )
    loopbot_replacement_answer_hours: float = Field(
        4,
        gt=0,
        le=24 * 7,
        description="how long each person asked has to answer, in their working hours",
    )
    loopbot_training_shadows: int = Field(
        2, ge=0, le=20, description="shadowed rounds before a trainee reverse-shadows"
    )
    loopbot_training_reverse_shadows: int = Field(
        2, ge=0, le=20, description="reverse-shadowed rounds before a trainee graduates"
    )
    loopbot_grace_seconds: float = Field(
        20.0, ge=0, le=600, description="how long a stop waits for work in flight (SIGTERM)"
    )

    loopbot_calendar: Literal["none", "caldav", "google"] = Field(
        "none", description="where interviews go and busy time comes from"
    )
    loopbot_caldav_url: str = Field(
        "",
        validate_default=True,
        description="a person's CalDAV home, with {email}: https://dav.example.com/{email}/",
    )
    loopbot_caldav_calendar: str = Field("interviews", description="calendar in each home")
    loopbot_caldav_username: str = ""
    loopbot_caldav_password: SecretStr = SecretStr("")
    loopbot_google_credentials: Path | None = Field(
        None, validate_default=True, description="service account key (JSON) with delegation"
    )
    loopbot_google_api_url: str = Field("", description="Calendar API endpoint (default Google's)")
    loopbot_calendar_timeout: float = Field(10.0, gt=0, le=120, description="seconds per call")

    @field_validator("loopbot_caldav_url")
    @classmethod
    def _caldav_home(cls, value: str, info) -> str:
        if info.data.get("loopbot_calendar") == "caldav" and "{email}" not in value:
            raise ValueError("needed with LOOPBOT_CALENDAR=caldav, a URL with {email} in it")
        return value

    @field_validator("loopbot_google_credentials")
    @classmethod
    def _google_key(cls, value: Path | None, info) -> Path | None:
        if info.data.get("loopbot_calendar") == "google" and (value is None or not value.is_file()):
            raise ValueError("needed with LOOPBOT_CALENDAR=google, the service account's key file")
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        try:
            backend = make_url(value).get_backend_name()
        except ArgumentError:
            raise ValueError("not a database URL (sqlite:///FILE or postgresql://…)") from None
        if backend not in ("sqlite", "postgresql"):
            raise ValueError(f"unsupported database '{backend}' (use sqlite or postgresql)")
        name = make_url(value).drivername
        if backend == "postgresql" and name not in ("postgresql", "postgresql+psycopg"):
            raise ValueError(f"unsupported driver '{name}' (write postgresql://…)")
        return value

    @field_validator("slack_api_url", "loopbot_google_api_url")
    @classmethod
    def _web_address(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError("not a web address (https://…)")
        return value

    @field_validator("loopbot_admins", "loopbot_reminders", "loopbot_places", mode="before")
    @classmethod
    def _json(cls, value: object) -> object:
        # Decoded here, not by the settings sources: a `.env` line the environment overrides is
        # then never read, and a bad one is named like any other setting.
        if not isinstance(value, str):
            return value
        try:
            return json.loads(value)
        except ValueError:
            raise ValueError("not valid JSON") from None

    @field_validator("loopbot_reminders")
    @classmethod
    def _known_reminders(cls, value: dict[str, int]) -> dict[str, int]:
        found = policy.problems(value)
        if found:
            raise ValueError(found[0][1])
        return value

    @field_validator("loopbot_places")
    @classmethod
    def _real_places(cls, value: dict[str, str]) -> dict[str, str]:
        if not all(v.strip() and len(v) <= 500 for v in value.values()):
            raise ValueError("give a room or a link per variant (up to 500 characters)")
        return value

    @field_validator("loopbot_working_hours")
    @classmethod
    def _working_hours(cls, value: str) -> str:
        from bot.loops.hours import parse_hours

        parse_hours(value)
        return value

    @property
    def working_hours(self):
        """The default working hours (bot.loops.hours.Hours)."""
        from bot.loops.hours import parse_hours

        return parse_hours(self.loopbot_working_hours)

    @field_validator("loopbot_log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        if value.upper() not in LOG_LEVELS:
            raise ValueError(f"not a log level ({', '.join(LOG_LEVELS)})")
        return value.upper()

    @field_validator("slack_bot_token", "slack_app_token")
    @classmethod
    def _token_shape(cls, value: SecretStr, info) -> SecretStr:
        prefix = "xoxb-" if info.field_name == "slack_bot_token" else "xapp-"
        token = value.get_secret_value()
        if token and not token.startswith(prefix):
            raise ValueError(f"should start with {prefix}")
        return value

    @property
    def docs_dir(self) -> Path:
        return self.loopbot_docs

    @property
    def api_url(self) -> str:
        return self.slack_api_url if self.slack_api_url.endswith("/") else self.slack_api_url + "/"


class BadSettings(Exception):
    """A setting that cannot work; the message names it in one line, never its value."""


def _dotenv_unread(path: Path = Path(".env")) -> int | None:
    """The first line of `.env` python-dotenv cannot read (it would drop it with a warning,
    and the setting with it), if any."""
    from dotenv.parser import parse_stream

    if not path.is_file():
        return None
    with path.open(encoding="utf-8") as lines:
        return next((b.original.line for b in parse_stream(lines) if b.error), None)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    try:
        if (line := _dotenv_unread()) is not None:
            raise BadSettings(f"file .env: line {line} is not NAME=value (an unclosed quote?)")
        return Settings()
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "a setting"
        reason = error["msg"].removeprefix("Value error, ")
        raise BadSettings(f"{name}: {reason}") from None
    except SettingsError as exc:
        name = str(exc).split('"')[1].upper() if '"' in str(exc) else "a setting"
        raise BadSettings(f"{name}: not valid JSON") from None
    except UnicodeDecodeError:
        raise BadSettings("file .env: not UTF-8 text") from None
    except OSError as exc:
        raise BadSettings(f"file .env: cannot be read ({exc.strerror or exc})") from None
