"""State Council notices as published (2024–2026), and one made up for 2027 (none exists yet)
whose dates obey the regulation and whose weekdays are right, for the import tests."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).parent


def notice_text(name: int | str) -> str:
    return (HERE / f"{name}.txt").read_text(encoding="utf-8")


MADE_UP_2027 = "made-up-2027"
