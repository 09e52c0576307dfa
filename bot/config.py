"""Settings from the environment and `.env`; nothing is required for the demo."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Operators set these as environment variables (or in `.env`); names are part of the contract."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = Field(default=None, description="the bot's token (not needed by `demo`)")
    telegram_api_url: str = Field(default="https://api.telegram.org", description="base of the Bot API server")
    database_url: str = Field(default="sqlite+aiosqlite:///./volunteer.db", description="SQLAlchemy async URL")
    bot_frontend: Literal["ptb", "aiogram"] = Field(
        default="ptb", description="which front end runs: ptb (python-telegram-bot) or aiogram"
    )
    bot_timezone: str = Field(default="Asia/Shanghai", description="how times are shown and scheduled")
    default_locale: Literal["zh_CN", "en"] = Field(default="zh_CN", description="language before a person chooses")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO", description="logging threshold")
    cancel_notice_hours: int = Field(default=24, ge=0, le=720, description="timely notice before a shift (条例 §22)")
    outbox_rate: float = Field(default=30.0, gt=0, le=1000, description="messages per second the outbox sends")
    outbox_chat_interval: float = Field(default=1.0, ge=0, le=60, description="seconds between messages to one chat")
    reminder_hours: Annotated[list[int], NoDecode] = Field(
        default=[24, 2], description="hours before a shift to remind, e.g. 24,2"
    )
    quiet_hours: str = Field(default="22-7", pattern=r"^\d{1,2}-\d{1,2}$", description="no reminders (local hours)")
    webhook_url: str | None = Field(default=None, description="public HTTPS URL the Bot API server posts updates to")
    webhook_secret: SecretStr | None = Field(default=None, description="shared secret checked on every webhook POST")
    broadcast_weekly_limit: int = Field(default=3, ge=0, le=50, description="recruitment messages per person a week")
    waitlist_offer_hours: int = Field(default=12, ge=1, le=168, description="time to take a freed place")
    flood_rate: float = Field(
        default=1.0, ge=0, le=100, description="updates per second one person may send once a burst is used (0: off)"
    )
    flood_burst: int = Field(default=20, ge=1, le=1000, description="updates one person may send in a quick burst")
    flood_notice_seconds: float = Field(
        default=60.0, ge=1, le=3600, description="at most one 'slow down' note per person in this many seconds"
    )
    data_key: SecretStr | None = Field(
        default=None, description="key(s) that encrypt phone numbers at rest; `volunteer-bot new-data-key` makes one"
    )

    @field_validator("reminder_hours", mode="before")
    @classmethod
    def _hours_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [int(part) for part in value.replace(" ", "").split(",") if part]
        return value

    @field_validator("reminder_hours")
    @classmethod
    def _sensible_hours(cls, value: list[int]) -> list[int]:
        if not value or any(not 1 <= hours <= 168 for hours in value):
            raise ValueError("reminder hours are between 1 and 168")
        return sorted(set(value), reverse=True)

    @property
    def quiet_hours_range(self) -> tuple[int, int]:
        start, end = (int(part) for part in self.quiet_hours.split("-"))
        return start % 24, end % 24

    @field_validator("telegram_api_url")
    @classmethod
    def _no_trailing_slash(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("bot_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value
