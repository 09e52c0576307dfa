"""Encryption at rest: what a stored value looks like, which keys open it, and what happens without one."""

from __future__ import annotations

import asyncio
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlmodel import select

from bot.cli import main
from models import Conversation, Organisation, Outbox, Profile, crypto, make_engine, make_session_factory
from models.crypto import DataKeyError, KeyRing
from models.migrate import downgrade, upgrade
from tests.conftest import TEST_DATA_KEY


def test_a_value_opens_with_its_key_and_column_only() -> None:
    ring = KeyRing.parse(crypto.new_key())
    stored = ring.encrypt("+8613800138000", "profile.phone")
    assert stored.startswith("g1.")
    assert "13800138000" not in stored
    assert stored != ring.encrypt("+8613800138000", "profile.phone"), "a fresh nonce every time"
    assert ring.decrypt(stored, "profile.phone") == "+8613800138000"
    with pytest.raises(DataKeyError, match="damaged or moved"):
        ring.decrypt(stored, "organisation.contact_phone")
    with pytest.raises(DataKeyError, match="does not hold"):
        KeyRing.parse(crypto.new_key()).decrypt(stored, "profile.phone")
    with pytest.raises(DataKeyError, match="not encrypted"):
        ring.decrypt("+8613800138000", "profile.phone")


def test_a_new_key_first_encrypts_and_the_old_one_after_it_still_opens() -> None:
    old, new = crypto.new_key(), crypto.new_key()
    before = KeyRing.parse(old).encrypt("13800138000", "profile.phone")
    rotated = KeyRing.parse(f"{new}, {old}")
    assert rotated.decrypt(before, "profile.phone") == "13800138000"
    after = rotated.encrypt("13800138000", "profile.phone")
    assert KeyRing.parse(new).decrypt(after, "profile.phone") == "13800138000"
    with pytest.raises(DataKeyError):
        KeyRing.parse(old).decrypt(after, "profile.phone")


@pytest.mark.parametrize("value", ["", " , ", "not-a-key", "c2hvcnQ=", crypto.new_key()[:-4]])
def test_a_malformed_data_key_is_refused_saying_how_to_make_one(value: str) -> None:
    with pytest.raises(DataKeyError, match="DATA_KEY"):
        KeyRing.parse(value)


def test_reading_or_writing_without_a_key_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(crypto, "_ring", None)
    with pytest.raises(DataKeyError, match="DATA_KEY is not set"):
        crypto.ring()


@pytest.mark.parametrize("command", [["run"], ["webhook"], ["db", "upgrade"], ["seed", "--demo"]])
def test_the_bot_refuses_to_start_without_a_data_key(
    command: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("DATA_KEY")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv("BOT_TOKEN", "1:x")
    assert main(command) == 2
    assert "DATA_KEY is not set" in capsys.readouterr().err
    assert not (tmp_path / "x.db").exists()
    monkeypatch.setenv("DATA_KEY", "too-short")
    assert main(command) == 2
    assert "new-data-key" in capsys.readouterr().err


def test_new_data_key_prints_a_key_the_bot_accepts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["new-data-key"]) == 0
    KeyRing.parse(capsys.readouterr().out.strip())


EVERY_ONE = "profile p, organisation o, conversation c, outbox m"  # one row in each


def _raw(path: Path, query: str) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(path)) as db:
        return db.execute(query).fetchall()


async def test_migration_0009_encrypts_what_is_there_and_0008_gets_it_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite+aiosqlite:///{path}"
    await asyncio.to_thread(upgrade, url, "0008")
    now = "2026-11-27 10:00:00.000000"
    with closing(sqlite3.connect(path)) as db:
        db.execute(
            "INSERT INTO account (id, platform, external_id, display_name, is_coordinator, created_at)"
            f" VALUES (1, 'telegram', '42', '', 0, '{now}')"
        )
        db.execute(
            "INSERT INTO profile (account_id, role, name, phone, district, skills, availability, consent_version,"
            f" consent_at, registered_at, updated_at) VALUES (1, 'volunteer', '林小雨', '+8613800138000', 'siming',"
            f" '[]', '[]', '2026-11', '{now}', '{now}', '{now}')"
        )
        db.execute(
            "INSERT INTO organisation (kind, name, district, registration, contact_name, contact_phone, verification,"
            " created_by, created_at) VALUES ('volunteer', '思明义工队', 'siming', 'filed', '王小明',"
            f" '+8613912345678', 'verified', 1, '{now}')"
        )
        db.execute(
            "INSERT INTO conversation (account_id, flow, step, data, nonce, updated_at)"
            f""" VALUES (1, 'register', 'summary', '{{"phone": "+8613700000000"}}', 'abcdef', '{now}')"""
        )
        db.execute(
            "INSERT INTO outbox (key, kind, chat_id, text, buttons, attachment, priority, status, attempts,"
            " not_before, created_at)"
            " VALUES ('reminder:1', 'reminder', 42, '联系电话 +8613912345678', '[]', ?, 5, 'sent', 1, ?, ?)",
            (b"%PDF-1.4 13912345678", now, now),
        )
        db.commit()

    monkeypatch.setattr(crypto, "_ring", None)
    with pytest.raises(DataKeyError):
        await asyncio.to_thread(upgrade, url, "0009")
    crypto.use_key(TEST_DATA_KEY)
    await asyncio.to_thread(upgrade, url, "0009")
    raw = _raw(
        path, "SELECT p.phone, o.contact_phone, c.data, m.text FROM profile p, organisation o, conversation c, outbox m"
    )
    assert all(str(value).startswith("g1.") for value in raw[0])
    for plain in (b"1380013", b"13912345678", b"13700000000", b"%PDF"):
        assert plain not in path.read_bytes()
    engine = make_engine(url)
    try:
        async with make_session_factory(engine)() as session:
            assert (await session.exec(select(Profile.phone))).one() == "+8613800138000"
            assert (await session.exec(select(Organisation.contact_phone))).one() == "+8613912345678"
            assert (await session.exec(select(Conversation))).one().data == {"phone": "+8613700000000"}
            message = (await session.exec(select(Outbox))).one()
            assert (message.text, message.attachment) == ("联系电话 +8613912345678", b"%PDF-1.4 13912345678")
    finally:
        await engine.dispose()

    await asyncio.to_thread(downgrade, url, "0008")
    assert _raw(
        path,
        f"SELECT p.phone, o.contact_phone, c.data, m.text, m.attachment FROM {EVERY_ONE}",
    ) == [
        (
            "+8613800138000",
            "+8613912345678",
            '{"phone":"+8613700000000"}',
            "联系电话 +8613912345678",
            b"%PDF-1.4 13912345678",
        )
    ]
