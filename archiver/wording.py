"""Words for what the commands print: counts with their noun in the right number."""

from __future__ import annotations

# Nouns whose plural is not the singular + "s".
IRREGULAR_PLURALS = {"entry": "entries", "category": "categories", "is": "are", "was": "were"}


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """`count` and `noun` in agreement: 1 site, 2 sites, 0 sites, 1 listing page, 3 listing pages."""
    if count == 1:
        return f"{count} {noun}"
    if plural_noun is None:
        head, _, last = noun.rpartition(" ")
        plural_last = IRREGULAR_PLURALS.get(last, last + "s")
        plural_noun = f"{head} {plural_last}" if head else plural_last
    return f"{count} {plural_noun}"
