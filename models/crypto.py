"""Encryption at rest for personal fields: AES-256-GCM under the deployment's DATA_KEY, and column types that use it.

A stored value reads ``g1.<base64url(key id | nonce | ciphertext and tag)>``. The key id (four bytes of the key's
SHA-256) says which key of the ring opened it, so DATA_KEY may list a new key first (it encrypts from then on)
and older ones after it (they still decrypt). The column's name is bound in as associated data, so a value
copied into another column does not decrypt there.

AES-GCM rather than Fernet: both come from ``cryptography``, but a Fernet token costs four to five times as much
to open (HMAC and CBC objects made per call; about 19 µs against 4 µs here), and every profile a query loads
opens one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import LargeBinary, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

PREFIX = "g1."
KEY_BYTES = 32
NONCE_BYTES = 12
ID_BYTES = 4


class DataKeyError(RuntimeError):
    """No data key is set, it is malformed, or it does not open what is stored."""


class KeyRing:
    """The keys of DATA_KEY: the first encrypts, every one decrypts what it encrypted."""

    def __init__(self, keys: list[bytes]) -> None:
        if not keys:
            raise DataKeyError("DATA_KEY holds no key")
        self._ciphers = {_key_id(key): AESGCM(key) for key in keys}
        self._current = _key_id(keys[0])

    @classmethod
    def parse(cls, value: str) -> KeyRing:
        """Read DATA_KEY: one or more comma-separated keys, each 32 random bytes in URL-safe base64."""
        keys = []
        for part in value.replace(" ", "").split(","):
            if not part:
                continue
            try:
                key = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
            except (binascii.Error, ValueError) as exc:
                raise DataKeyError(
                    "DATA_KEY is not URL-safe base64; make one with `volunteer-bot new-data-key`"
                ) from exc
            if len(key) != KEY_BYTES:
                raise DataKeyError(
                    f"each DATA_KEY key is {KEY_BYTES} bytes (44 base64 characters); "
                    "make one with `volunteer-bot new-data-key`"
                )
            keys.append(key)
        return cls(keys)

    def seal(self, data: bytes, context: str) -> bytes:
        """Encrypt ``data`` for the column named ``context``: key id, nonce, ciphertext and tag."""
        nonce = os.urandom(NONCE_BYTES)
        return self._current + nonce + self._ciphers[self._current].encrypt(nonce, data, context.encode())

    def open(self, sealed: bytes, context: str) -> bytes:
        """Decrypt what ``seal`` made for the same column."""
        key_id, nonce, body = (
            sealed[:ID_BYTES],
            sealed[ID_BYTES : ID_BYTES + NONCE_BYTES],
            sealed[ID_BYTES + NONCE_BYTES :],
        )
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise DataKeyError(f"a value in {context} was encrypted with a key that DATA_KEY does not hold")
        try:
            return cipher.decrypt(nonce, body, context.encode())
        except InvalidTag as exc:
            raise DataKeyError(f"a value in {context} does not open with its key: damaged or moved") from exc

    def encrypt(self, text: str, context: str) -> str:
        return PREFIX + base64.urlsafe_b64encode(self.seal(text.encode(), context)).decode().rstrip("=")

    def decrypt(self, stored: str, context: str) -> str:
        if not stored.startswith(PREFIX):
            raise DataKeyError(f"a value in {context} is not encrypted; was migration 0009 applied?")
        body = stored[len(PREFIX) :]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        except (binascii.Error, ValueError) as exc:
            raise DataKeyError(f"a value in {context} is damaged") from exc
        return self.open(raw, context).decode()


def _key_id(key: bytes) -> bytes:
    return hashlib.sha256(key).digest()[:ID_BYTES]


def new_key() -> str:
    """Return a fresh random key, as DATA_KEY holds it."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()


# The process's key ring, set once by the composition root (bot.core, the CLI, the demo, the tests): one
# deployment has one DATA_KEY, and column types are shared by every engine of the process.
_ring: KeyRing | None = None


def use_key(value: str) -> KeyRing:
    """Encrypt and decrypt with DATA_KEY ``value`` from now on in this process."""
    global _ring
    _ring = KeyRing.parse(value)
    return _ring


def ring() -> KeyRing:
    """The key ring in use; refuse clearly when none was set."""
    if _ring is None:
        raise DataKeyError("DATA_KEY is not set: personal data is stored encrypted and cannot be read or written")
    return _ring


class EncryptedText(TypeDecorator[str]):
    """A text column stored encrypted; not searchable (equal values encrypt differently)."""

    impl = Text
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else ring().encrypt(value, self.context)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else ring().decrypt(value, self.context)


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON document stored encrypted as text."""

    impl = Text
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return ring().encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")), self.context)

    def process_result_value(self, value: str | None, dialect: Dialect) -> Any:
        return None if value is None else json.loads(ring().decrypt(value, self.context))


class EncryptedBytes(TypeDecorator[bytes]):
    """A binary column (a file) stored encrypted."""

    impl = LargeBinary
    cache_ok = True

    def __init__(self, context: str) -> None:
        super().__init__()
        self.context = context

    def process_bind_param(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else ring().seal(value, self.context)

    def process_result_value(self, value: bytes | None, dialect: Dialect) -> bytes | None:
        return None if value is None else ring().open(bytes(value), self.context)
