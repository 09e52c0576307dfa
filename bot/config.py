"""Settings from the environment and `.env`; nothing is required for the demo."""

from __future__ import annotations

from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Operators set these as environment variables (or in `.env`); names are part of the contract."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = Field(default=None, description="the bot's token (not needed by `demo`)")
    telegram_api_url: str = Field(default="https://api.telegram.org", description="base of the Bot API server")
    database_url: str = Field(default="sqlite+aiosqlite:///./volunteer.db", description="SQLAlchemy async URL")
    bot_frontend: Literal["ptb"] = Field(default="ptb", description="which front end runs")
    bot_timezone: str = Field(default="Asia/Shanghai", description="how times are shown and scheduled")
    default_locale: Literal["zh_CN", "en"] = Field(default="zh_CN", description="language before a person chooses")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(default="INFO", description="logging threshold")
    cancel_notice_hours: int = Field(default=24, ge=0, le=720, description="timely notice before a shift (条例 §22)")
    waitlist_offer_hours: int = Field(default=12, ge=1, le=168, description="time to take a freed place")

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
