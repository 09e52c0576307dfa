"""Fixed lists of the program: districts, skills, free-time slots, certificate levels.

Codes only; what a person reads for each code lives in the catalogs.
"""

from __future__ import annotations

from typing import Final

# Xiamen's six districts, with the coordinates of each district government (WGS-84),
# used as a district's centre until stations give finer places.
DISTRICTS: Final[dict[str, tuple[float, float]]] = {
    "siming": (24.4454, 118.0824),
    "huli": (24.5127, 118.1469),
    "jimei": (24.5759, 118.0972),
    "haicang": (24.4846, 117.9962),
    "tongan": (24.7229, 118.1520),
    "xiangan": (24.6187, 118.2475),
}

SKILLS: Final[tuple[str, ...]] = (
    "elderly_care",
    "child_tutoring",
    "medical_care",
    "counselling",
    "legal_advice",
    "performing_arts",
    "photography",
    "driving",
    "translation",
    "it_support",
)

# Free time: weekday/weekend × morning/afternoon/evening.
AVAILABILITY: Final[tuple[str, ...]] = (
    "weekday_morning",
    "weekday_afternoon",
    "weekday_evening",
    "weekend_morning",
    "weekend_afternoon",
    "weekend_evening",
)

# 助理社会工作师 / 社会工作师 / 高级社会工作师
CERTIFICATE_LEVELS: Final[tuple[str, ...]] = ("assistant", "intermediate", "senior")

LOCALES: Final[tuple[str, ...]] = ("zh_CN", "en")

# Bumped whenever the privacy notice's content changes, so consent can be asked again.
PRIVACY_NOTICE_VERSION: Final = "2026-11-27"
