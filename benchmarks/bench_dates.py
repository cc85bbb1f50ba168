"""Speed of date finding: find_date_in_text and parse_date over a few thousand varied, invented strings.

Run from the repository root: .venv/bin/python -m benchmarks.bench_dates [--strings N] [--rounds N]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime

from archiver.extract.dates import find_date_in_text, parse_date

# Shapes of date-bearing texts as listings show them, plus texts with no date at all (the common case in loops).
TEXT_TEMPLATES = (
    "Posted on {month} {day}, {year} by Someone",
    "{day} {month} {year} · 4 min read",
    "发表于 {year}-{mm}-{dd} | 分类于 笔记",
    "{year}年{m}月{d}日 下午3:04",
    "{year}년 {m}월 {d}일",
    "{year}-{mm}-{dd}T08:30:00+08:00",
    "Tue, {dd} {mon} {year} 15:04:05 +0000",
    "le {d} {fr_month} {year}",
    "{mm}/{dd}/{year}",
    "{dd}.{mm}.{year}",
    "3 days ago",
    "12 min read",
    "Python 3.11.4 release notes and a few thoughts on packaging",
    "© 2015 - {year} Powered by a static site generator",
    "A short excerpt about caching layers, with no date in it at all, just prose that goes on for a while "
    "and mentions numbers like 42, 3.14 and 1 2 3 4 from a code gutter.",
)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October")
FRENCH_MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
)


def varied_texts(rng: random.Random, count: int) -> list[str]:
    """`count` strings filled from the templates with random dates."""
    texts = []
    for _ in range(count):
        month_index = rng.randrange(10)
        day = rng.randint(1, 28)
        texts.append(
            rng.choice(TEXT_TEMPLATES).format(
                year=rng.randint(2005, 2025),
                month=MONTHS[month_index],
                mon=MONTHS[month_index][:3],
                fr_month=FRENCH_MONTHS[month_index],
                m=month_index + 1,
                mm=f"{month_index + 1:02d}",
                d=day,
                day=day,
                dd=f"{day:02d}",
            )
        )
    return texts


def calls_per_second(function, texts: list[str], rounds: int) -> float:
    """How many calls of `function(text, source, now=...)` run per second over `texts`."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    started = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            function(text, "bench", now=now)
    return rounds * len(texts) / (time.perf_counter() - started)


def main() -> None:
    """Print calls per second for find_date_in_text and parse_date."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--strings", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    texts = varied_texts(random.Random(7), args.strings)
    found = sum(find_date_in_text(t, "bench") is not None for t in texts)
    print(f"{len(texts)} strings, {found} with a date")
    print(f"find_date_in_text: {calls_per_second(find_date_in_text, texts, args.rounds):,.0f} calls/s")
    print(f"parse_date:        {calls_per_second(parse_date, texts, args.rounds):,.0f} calls/s")


if __name__ == "__main__":
    main()
