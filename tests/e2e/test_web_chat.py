"""The web chat in a real browser: a new person registers, signs up for a shift and checks in, all by clicking.

Runs headless Chromium from the system (Debian's `chromium`) through Playwright; skipped, saying why, where
either is missing, unless REQUIRE_BROWSER=1 (CI sets it when Chromium is installed). Screenshots are kept in
tests/artifacts/web-chat/.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator, Awaitable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.demo import DemoWorld
from tests.e2e.webdemo import next_shift

pytestmark = pytest.mark.browser

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "web-chat"
WANG = 100000001  # the demo's new person
HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def _chromium() -> str:
    """The system's Chromium, or skip (fail under REQUIRE_BROWSER=1) saying what is missing."""
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    reason = None
    if path is None:
        reason = "Chromium is not installed (Debian: apt-get install -y chromium); the web chat's browser test needs it"
    else:
        try:
            import playwright.async_api  # noqa: F401
        except ImportError:
            reason = "the playwright package is not installed (pip install -e '.[test]')"
    if reason is not None:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    assert path is not None
    return path


@pytest.fixture
def chromium() -> str:
    return _chromium()


@pytest.fixture
async def page(chromium: str, demo: DemoWorld) -> AsyncIterator[Any]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=chromium)
        context = await browser.new_page(locale="zh-CN", viewport={"width": 1000, "height": 860})
        errors: list[str] = []
        context.on("pageerror", lambda error: errors.append(str(error)))
        try:
            yield context
        finally:
            ARTIFACTS.mkdir(parents=True, exist_ok=True)
            await context.screenshot(path=str(ARTIFACTS / "last.png"))  # where it stopped, pass or fail
            await browser.close()
        assert errors == [], "the page raised errors"


class Phone:
    """The browser page as one persona's phone: clicks and typing, each waited out until the bot has answered."""

    def __init__(self, page: Any, demo: DemoWorld, user_id: int) -> None:
        self.page = page
        self.demo = demo
        self.user_id = user_id
        self.chat = demo.emulator.world.chats[user_id]
        ARTIFACTS.mkdir(parents=True, exist_ok=True)

    async def open(self) -> None:
        await self.page.goto(f"{self.demo.web_url}?user={self.user_id}")
        await self.page.wait_for_selector("#messages[data-seq='0']")

    async def _answered(self, action: Awaitable[None]) -> None:
        """Do ``action``, then wait until the bot has handled it, sent what followed and the page shows it."""
        acted = self.page.expect_response(lambda r: r.request.method == "POST" and "/control/users/" in r.url)
        async with acted as response:
            await action
        assert (await response.value).ok
        done = [m.update_id for m in self.chat.messages.values() if not m.from_bot and m.update_id]
        done += [q.update_id for q in self.chat.callbacks]
        await self.demo.tracker.wait(max(done))
        assert self.demo.process.sender is not None
        await self.demo.process.sender.idle()
        await self.page.wait_for_function(
            "seq => Number(document.getElementById('messages').dataset.seq) >= seq", arg=self.chat.seq
        )

    async def press(self, label: str) -> None:
        buttons = self.page.locator(".inline-keyboard button")
        await self._answered(buttons.filter(has_text=re.compile(f"^{re.escape(label)}")).last.click())

    async def types(self, text: str) -> None:
        await self.page.fill("#text", text)
        await self._answered(self.page.press("#text", "Enter"))

    async def taps_reply(self, label: str) -> None:
        await self.page.locator("#reply-keyboard button", has_text=label).click()

    async def confirm_contact(self) -> None:
        await self._answered(self.page.click("#contact-send"))

    async def picks_place(self, name: str) -> None:
        await self.page.locator("#places button", has_text=name).click()
        await self._answered(self.page.click("#location-send"))

    async def later(self, button: str) -> None:
        """Move the demo clock with the page's button and wait until the due sweeps' messages are shown."""
        clock = self.page.locator(button)
        await clock.click()
        await self.page.wait_for_function("() => !document.getElementById('plus-day').disabled")
        await self.page.wait_for_function(
            "seq => Number(document.getElementById('messages').dataset.seq) >= seq", arg=self.chat.seq
        )

    def last_message(self) -> Any:
        return self.page.locator(".message.bot").last

    async def snapshot(self, name: str) -> None:
        from playwright.async_api import expect

        await expect(self.page.locator("#toast")).to_be_hidden(timeout=6000)
        await self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


async def test_a_new_person_registers_signs_up_and_checks_in_by_clicking(page: Any, demo: DemoWorld) -> None:
    from playwright.async_api import expect

    wang = Phone(page, demo, WANG)
    await wang.open()
    await expect(page.locator(".person.current")).to_contain_text("王小明")

    await wang._answered(page.click("#start"))
    await expect(wang.last_message()).to_contain_text("厦门“社工+志愿者”联动")
    for label in ("注册", "志愿者", "我同意"):
        await wang.press(label)
    await wang.types("王小明")
    await wang.taps_reply("分享我的手机号")
    await expect(page.locator("#contact-phone")).to_have_text("+86 138 0001 0000")
    await wang.confirm_contact()
    await wang.press("湖里区")
    await wang.types("殿前街道")
    await wang.types("1998")
    for label in ("陪伴老人", "完成", "周末上午", "完成"):
        await wang.press(label)
    await expect(wang.last_message()).to_contain_text("请核对您的注册信息")
    await wang.press("确认")
    await wang.snapshot("1-registered")

    await wang.types("/projects")
    await expect(wang.last_message()).to_contain_text("为您推荐的项目")
    await wang.press("1")
    await wang.press("报名：")
    await expect(wang.last_message()).to_contain_text("报名成功")
    await wang.snapshot("2-signed-up")

    # Days pass on the demo clock, a day then an hour at a time, until check-in opens half an hour before the start.
    shift, project, station = await next_shift(demo, WANG)
    gap = shift.starts_at - timedelta(minutes=30) - demo.clock.now()
    for _ in range(gap // DAY):
        await wang.later("#plus-day")
    for _ in range(-(-(gap % DAY) // HOUR)):
        await wang.later("#plus-hour")
    assert shift.starts_at - timedelta(minutes=30) <= demo.clock.now() < shift.ends_at
    await expect(page.locator(".message.bot", has_text="我会准时到").first).to_be_visible()
    await wang.snapshot("3-reminded")

    await wang.types("/checkin")
    await wang.taps_reply("发送我的位置")
    await expect(page.locator("#location-dialog")).to_be_visible()
    await wang.snapshot("4-picking-the-station")
    await wang.picks_place(station.name)

    await expect(wang.last_message()).to_contain_text(f"签到：{project.title}")
    await expect(page.locator(".message.user .pin").last).to_contain_text(station.name)
    await wang.snapshot("5-checked-in")
