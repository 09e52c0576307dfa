"""Proof of service, exports and check-in posters, as the people who need them use them."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import openpyxl
from PIL import Image
from sqlmodel import select

from emulator import Person
from models import Attendance, Certificate, CertificateStatus, Method
from services import signups
from tests import factories
from tests.e2e.conftest import Chat, RunningBot
from tests.pdftext import decode_qr, page_texts


async def setup(chat: Chat, bot: RunningBot) -> tuple[Person, Person, int]:
    """A social worker administering an organisation whose project the volunteer served twice this year."""
    huang = await chat.person("黄志明")
    lin = await chat.person("林小雨")
    async with bot.session() as session:
        supervisor, organisation = await factories.social_worker(session, "黄志明", user_id=huang.user_id)
        project = await factories.project(session, supervisor, organisation, title="鼓浪屿长者陪伴")
        volunteer = await factories.volunteer(session, "林小雨", user_id=lin.user_id)
        first_day = datetime.now(UTC).replace(month=1, day=10, hour=1, minute=0, second=0, microsecond=0)
        await factories.served(session, volunteer, project, first_day, minutes=180)
        await factories.served(session, volunteer, project, first_day + timedelta(days=7), minutes=150)
        await session.commit()
        assert organisation.id is not None
        return huang, lin, organisation.id


def pdf_text(content: bytes) -> str:
    return "\n".join(page_texts(content)).replace("\n", "")


async def test_a_volunteer_asks_for_proof_an_admin_issues_it_and_a_coordinator_confirms_it(
    chat: Chat, bot: RunningBot
) -> None:
    huang, lin, _ = await setup(chat, bot)
    await lin.says("/certificate")
    [organisation] = (await lin.sees()).buttons
    await lin.presses(organisation)
    await lin.sees()
    await lin.presses("今年")
    assert "共 5.5 小时" in await lin.sees()
    await lin.presses("提交申请")
    assert "申请已提交" in await lin.sees()
    request = await huang.screen()
    assert request.mentions("林小雨 申请开具志愿服务证明", "5.5 小时")
    await huang.presses("通过")
    issued = await huang.sees()
    assert "已出具" in issued
    [document] = (await lin.screen()).documents
    content = await lin.download(document["file_id"])
    text = pdf_text(content)
    async with bot.session() as session:
        certificate = (await session.exec(select(Certificate))).one()
    assert certificate.status is CertificateStatus.ISSUED
    assert certificate.number is not None
    for expected in ("志愿服务证明", "林小雨", certificate.number, "5.5", "鼓浪屿长者陪伴", "黄志明", "志愿者编号 V"):
        assert expected in text, expected

    chen = await chat.person("陈主任")
    await bot.make_coordinator(chen)
    await chen.says(f"/checkcert {certificate.number.lower()}")
    assert (await chen.sees()).mentions("真实有效", "林小雨", "5.5 小时")
    await chen.says("/checkcert XM2026-0000-00000-FAKE")
    assert "没有出具过" in await chen.sees()
    await lin.says(f"/checkcert {certificate.number}")
    assert "只有协调员" in await lin.sees()


async def test_requests_without_hours_forged_approvals_and_second_decisions_are_refused(
    chat: Chat, bot: RunningBot
) -> None:
    huang, lin, _ = await setup(chat, bot)
    newcomer = await chat.person("新志愿者")
    async with bot.session() as session:
        await factories.volunteer(session, "新志愿者", user_id=newcomer.user_id)
        await session.commit()
    await newcomer.says("/certificate")
    assert "没有在该机构的服务时长记录" in await newcomer.sees()
    await lin.says("/certificate")
    await lin.presses((await lin.sees()).buttons[0])
    await lin.sees()
    await lin.says("2020-01-01 2020-12-31")
    assert "没有在该机构的服务时长记录" in await lin.sees()
    await lin.says("2026-13-01 to yesterday")
    assert "请输入时间段" in await lin.sees()
    await lin.presses("全部服务")
    await lin.sees()
    await lin.presses("提交申请")
    await lin.sees()
    async with bot.session() as session:
        certificate_id = (await session.exec(select(Certificate))).one().id
    message = (await lin.screen()).messages[-1]["message_id"]
    await lin.presses_data(f"ce:ok:{certificate_id}", message)
    assert "只有机构管理员" in await lin.sees() or "管理员" in await lin.screen()
    await huang.presses("婉拒")
    assert "已拒绝" in await huang.sees()
    assert "未能为您开具" in await lin.screen()
    await huang.presses_data(f"ce:ok:{certificate_id}", (await huang.screen()).messages[-1]["message_id"])
    assert "已经处理过了" in await huang.sees()
    async with bot.session() as session:
        assert (await session.exec(select(Certificate))).one().status is CertificateStatus.DECLINED


async def test_an_admin_exports_the_service_records_and_they_read_back_as_stored(chat: Chat, bot: RunningBot) -> None:
    huang, lin, _ = await setup(chat, bot)
    await huang.says("/export")
    await huang.presses((await huang.sees()).buttons[0])
    await huang.sees()
    await huang.presses("今年")
    answer = await huang.sees()
    assert "共 2 条服务记录" in answer
    xlsx, csv_file = answer.documents
    assert xlsx["file_name"].endswith(".xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(await huang.download(xlsx["file_id"]))).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("记录编号", "志愿者编号", "姓名")
    async with bot.session() as session:
        stored = (await session.exec(select(Attendance))).all()
    assert sorted(r[0] for r in rows[1:]) == sorted(a.id for a in stored)
    assert [Decimal(str(r[9])) for r in rows[1:]] == [Decimal("3.0"), Decimal("2.5")]
    assert all(r[2] == "林小雨" and re.fullmatch(r"138\*{4}\d{4}", r[3]) for r in rows[1:])  # masked for the admin
    text = (await huang.download(csv_file["file_id"])).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text)))[1][2] == "林小雨"
    await lin.says("/export")
    assert "管理员" in await lin.sees()


async def test_a_poster_code_decodes_to_the_deep_link_that_checks_volunteers_in(chat: Chat, bot: RunningBot) -> None:
    huang, lin, _ = await setup(chat, bot)
    async with bot.session() as session:
        supervisor, organisation = await factories.social_worker(session, "周敏")
        volunteer = (await session.exec(select(factories.Profile).where(factories.Profile.name == "林小雨"))).one()
        project = (await session.exec(select(factories.Project))).one()
        now = await factories.shift(session, project, datetime.now(UTC) - timedelta(minutes=10), capacity=5)
        await signups.sign_up(session, volunteer, now.id or 0, datetime.now(UTC) - timedelta(days=1))
        await session.commit()
        del supervisor, organisation
    await huang.says("/poster")
    await huang.presses(next(b for b in (await huang.sees()).buttons if b.startswith("鼓浪屿长者陪伴")))
    poster = await huang.sees()
    [photo] = poster.photos
    [pdf] = poster.documents
    link = decode_qr(Image.open(io.BytesIO(await huang.download(photo["file_id"]))))
    assert link.startswith("https://t.me/xm_volunteer_bot?start=ci_s")
    assert "鼓浪屿长者陪伴" in pdf_text(await huang.download(pdf["file_id"]))
    await lin.says("/start " + link.split("start=", 1)[1])
    assert "签到：鼓浪屿长者陪伴" in await lin.sees()
    async with bot.session() as session:
        checked = (await session.exec(select(Attendance).where(Attendance.checked_out_at.is_(None)))).one()  # type: ignore[union-attr]
    assert checked.checkin_method is Method.CODE
