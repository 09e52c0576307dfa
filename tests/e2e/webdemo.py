"""The demo as the web chat sees it: where a persona's next shift is held, and how far off it is."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from bot.demo import DemoWorld
from models import Account, Profile, Project, Shift, Signup, SignupStatus, Station, utcnow


async def next_shift(demo: DemoWorld, user_id: int) -> tuple[Shift, Project, Station]:
    """The person's next confirmed shift, its project and the station it is held at."""
    assert demo.process.core is not None
    async with demo.process.core.sessions() as session:
        query = (
            select(Shift, Project, Station)
            .join(Signup, col(Signup.shift_id) == col(Shift.id))
            .join(Profile, col(Profile.id) == col(Signup.profile_id))
            .join(Account, col(Account.id) == col(Profile.account_id))
            .join(Project, col(Project.id) == col(Shift.project_id))
            .join(Station, col(Station.id) == col(Project.station_id))
            .where(Account.external_id == str(user_id), Signup.status == SignupStatus.CONFIRMED)
            .where(col(Shift.starts_at) > utcnow())
            .order_by(col(Shift.starts_at))
        )
        found = (await session.exec(query)).first()
    assert found is not None
    return found


def seconds_until(moment: datetime, demo: DemoWorld) -> int:
    """Whole seconds the demo clock must move to reach ``moment`` (just past it)."""
    return int((moment - demo.clock.now()).total_seconds()) + 1
