"""Per-person flood control: beyond a burst, one update per 1/rate seconds; the excess is dropped with one note.

Why drop rather than delay: a delayed update has to wait somewhere. The front ends queue each person's updates
behind their earlier ones (``bot/frontends/base.py``), so a flooder's would pile up in memory without bound.
Someone sending dozens of messages a second is a stuck key, a script or spam, and a real person who was too
quick is told once to slow down and can send again. A dropped update is never handled, so it changes nothing.

The limit is a generic cell rate algorithm (a token bucket) keyed by person and measured on the events' own
times, so every front end decides alike and tests decide without waiting.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum

# Forget people whose bucket is full again once this many are remembered.
_PRUNE_AT = 10_000


class Verdict(Enum):
    ADMIT = "admit"
    NOTE = "note"  # too fast: drop this update and say so (once per notice interval)
    DROP = "drop"  # too fast, and already told: drop it silently


class FloodGuard:
    """Decides, per person, whether an update is handled; ``rate`` 0 turns the limit off."""

    def __init__(self, rate: float, burst: int, notice_interval: float) -> None:
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.tolerance = max(burst - 1, 0) * self.interval
        self.notice_interval = notice_interval
        # When the person's next update is due if they kept to the rate ("theoretical arrival time").
        self._due: dict[str, float] = {}
        self._noted: dict[str, float] = {}

    def admit(self, key: str, at: datetime) -> Verdict:
        """Say what to do with one update of person ``key`` that arrived at ``at``."""
        if not self.interval:
            return Verdict.ADMIT
        now = at.timestamp()
        due = max(self._due.get(key, now), now)
        if due - now <= self.tolerance:
            self._due[key] = due + self.interval
            if len(self._due) > _PRUNE_AT:
                self._prune(now)
            return Verdict.ADMIT
        if now - self._noted.get(key, float("-inf")) >= self.notice_interval:
            self._noted[key] = now
            return Verdict.NOTE
        return Verdict.DROP

    def _prune(self, now: float) -> None:
        self._due = {key: due for key, due in self._due.items() if due > now}
        self._noted = {key: at for key, at in self._noted.items() if now - at < self.notice_interval}

    def __len__(self) -> int:
        return len(self._due)
