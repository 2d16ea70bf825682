"""The one place loopbot reads its environment."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.resources import shipped

SEEDS_DIR = shipped("seeds")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    slack_bot_token: SecretStr = SecretStr("")
    slack_signing_secret: SecretStr = SecretStr("")
    slack_app_token: SecretStr = Field(SecretStr(""), description="xapp- token, Socket Mode only")
    slack_api_url: str = "https://slack.com/api/"
    database_url: str = "sqlite:///loopbot.db"
    loopbot_docs: Path = SEEDS_DIR
    port: int = 3000
    host: str = "0.0.0.0"
    loopbot_log_json: bool = False
    loopbot_log_level: str = "INFO"
    loopbot_admins: list[str] = Field(default_factory=list, description="Slack user ids")
    loopbot_threads: int = Field(8, description="server threads per process")
    loopbot_processes: int = Field(
        1, ge=1, description="serving processes on one listening port (one per core)"
    )
    loopbot_weekly_cap: int | None = Field(None, description="interviews per person per week")
    loopbot_reminders: dict[str, int] = Field(
        default_factory=dict, description='minutes per reminder kind, e.g. {"guide": -2880}'
    )
    loopbot_retention_days: int | None = Field(
        None, description="erase finished loops this many days after their last change"
    )
    loopbot_tick_seconds: float = Field(5.0, description="how often the dispatcher looks")

    @property
    def docs_dir(self) -> Path:
        return self.loopbot_docs

    @property
    def api_url(self) -> str:
        return self.slack_api_url if self.slack_api_url.endswith("/") else self.slack_api_url + "/"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
