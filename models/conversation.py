"""Where each person stands in a conversation, kept in the database."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column
from sqlmodel import Field, SQLModel

from models.base import UTCDateTime, utcnow
from models.crypto import EncryptedJSON


class Conversation(SQLModel, table=True):
    """The flow, step and collected answers of one person's unfinished journey.

    ``nonce`` changes every time a step is shown; buttons carry it, so a press
    on an older screen is recognised as stale.
    """

    account_id: int = Field(foreign_key="account.id", primary_key=True)
    flow: str = Field(max_length=32)
    step: str = Field(max_length=32)
    # Encrypted: half-filled forms hold names and phone numbers.
    data: dict[str, Any] = Field(
        default_factory=dict, sa_column=Column(EncryptedJSON("conversation.data"), nullable=False)
    )
    nonce: str = Field(max_length=8)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
