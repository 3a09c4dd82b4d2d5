"""Credit scores as the product keeps them, for agencies (``domain.agencies``) and for units
(``domain.supervision.credit``): a base, events that add or remove points, levels by thresholds, and the
score's history day by day. Pure functions of values; each area keeps its own points and levels."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta


def level_of(score: float, levels: Sequence[tuple[str, float]], lowest: str) -> str:
    """The first level whose threshold the score reaches (levels best first), else ``lowest``."""
    for level, threshold in levels:
        if score >= threshold:
            return level
    return lowest


@dataclass(frozen=True)
class ScorePoint:
    day: date
    score: float


def daily_history(
    base: float, start: date, moves: Iterable[tuple[date, float]], *, on: date
) -> list[ScorePoint]:
    """The score at the end of each day it moved, from ``start`` (at ``base``) to ``on``.

    ``moves`` are (day, points) pairs; a move before ``start`` moves the start to the day before it, so the
    history always opens at the base."""
    moved: dict[date, float] = defaultdict(float)
    for day, points in moves:
        moved[day] += points
    days = sorted(moved)
    if days and days[0] < start:
        start = days[0] - timedelta(days=1)
    history = [ScorePoint(start, base)]
    score = base
    for day in days:
        score += moved[day]
        if day == history[-1].day:
            history[-1] = ScorePoint(day, round(score, 2))
        else:
            history.append(ScorePoint(day, round(score, 2)))
    if history[-1].day < on:
        history.append(ScorePoint(on, history[-1].score))
    return history
