"""Realistic sample data for the demo: people of every role across Xiamen's districts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from models import Account, Profile, Role, Verification, utcnow
from services.reference import PRIVACY_NOTICE_VERSION


@dataclass(frozen=True)
class Persona:
    """Someone the person at the demo's keyboard can be."""

    user_id: int
    name: str
    language: str
    role: str  # new, volunteer, social_worker, pending_social_worker, coordinator


PERSONAS: tuple[Persona, ...] = (
    Persona(100000001, "王小明", "zh-hans", "new"),
    Persona(100000002, "林小雨", "zh-hans", "volunteer"),
    Persona(100000003, "黄志明", "zh-hans", "social_worker"),
    Persona(100000004, "吴佳怡", "zh-hans", "pending_social_worker"),
    Persona(100000005, "陈主任", "zh-hans", "coordinator"),
    Persona(100000006, "Emily Carter", "en", "new"),
)

# name, district, street, skills, free times
VOLUNTEERS = (
    ("林小雨", "siming", "莲前街道", ["elderly_care", "counselling"], ["weekend_morning", "weekend_afternoon"]),
    ("张伟", "huli", "殿前街道", ["driving", "it_support"], ["weekday_evening", "weekend_morning"]),
    ("李娜", "jimei", "侨英街道", ["child_tutoring"], ["weekday_afternoon", "weekend_afternoon"]),
    ("陈静", "haicang", "嵩屿街道", ["medical_care", "elderly_care"], ["weekday_morning"]),
    ("刘洋", "tongan", "大同街道", ["photography", "performing_arts"], ["weekend_morning", "weekend_evening"]),
    ("杨帆", "xiangan", "新店街道", ["legal_advice"], ["weekday_evening"]),
    ("郑晓燕", "siming", "鼓浪屿街道", ["translation", "child_tutoring"], ["weekend_afternoon"]),
    ("许文杰", "huli", "禾山街道", ["it_support"], ["weekday_evening", "weekend_evening"]),
)

# name, district, level, certificate, organisation, verified
SOCIAL_WORKERS = (
    ("黄志明", "huli", "intermediate", "SW2019350203", "厦门市湖里区心和社会工作服务中心", True),
    ("吴佳怡", "siming", "assistant", "ASW2023350201", "厦门市思明区启航社会工作服务中心", False),
    ("蔡丽华", "jimei", "senior", "SSW2016350211", "厦门市集美区同心社会工作服务中心", True),
)


async def seed_demo(session: AsyncSession) -> int:
    """Fill an empty database with the demo's people; return how many profiles were made."""
    now = utcnow()
    made = 0
    persona_ids = {p.name: p.user_id for p in PERSONAS}
    next_id = 200000001

    async def account(name: str, *, coordinator: bool = False) -> int:
        nonlocal next_id
        user_id = persona_ids.get(name)
        if user_id is None:
            user_id, next_id = next_id, next_id + 1
        record = Account(
            platform="telegram",
            external_id=str(user_id),
            chat_id=user_id,
            display_name=name,
            platform_language="zh-hans",
            is_coordinator=coordinator,
        )
        session.add(record)
        await session.flush()
        assert record.id is not None
        return record.id

    await account("陈主任", coordinator=True)
    for index, (name, district, street, skills, free) in enumerate(VOLUNTEERS):
        owner = await account(name)
        session.add(
            Profile(
                account_id=owner,
                role=Role.VOLUNTEER,
                name=name,
                phone=f"+86138{5920_0000 + index:08d}",
                district=district,
                street=street,
                skills=skills,
                availability=free,
                consent_version=PRIVACY_NOTICE_VERSION,
                consent_at=now - timedelta(days=30 + index),
                registered_at=now - timedelta(days=30 + index),
            )
        )
        made += 1
    for index, (name, district, level, number, organisation, verified) in enumerate(SOCIAL_WORKERS):
        owner = await account(name)
        session.add(
            Profile(
                account_id=owner,
                role=Role.SOCIAL_WORKER,
                name=name,
                phone=f"+86139{5920_0000 + index:08d}",
                district=district,
                certificate_level=level,
                certificate_number=number,
                organisation_name=organisation,
                verification=Verification.VERIFIED if verified else Verification.PENDING,
                consent_version=PRIVACY_NOTICE_VERSION,
                consent_at=now - timedelta(days=60),
                registered_at=now - timedelta(days=60 - index),
            )
        )
        made += 1
    await session.flush()
    return made
