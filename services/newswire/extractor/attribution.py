"""Who makes a claim, read off a sentence's words where its parse did not say (FA-KES drops the comma of
"X captured Y, the Observatory said", and a parser then seldom finds the reporting verb).

"According to X" first; else the noun phrase next to a reporting verb ("the Observatory said", "said
a military source", "witnesses told Reuters"). Words that may open or make up a source's noun phrase
are in ``data/checks.yaml`` (``source_words``).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import yaml

__all__ = ["find_source"]

_DATA = Path(__file__).resolve().parent / "data" / "checks.yaml"
_WORDS = re.compile(r"[\w'’\-]+|[\"“”,;:()]")
_REPORT = frozenset("said says say reported reports told announced claimed added stated confirmed quoted according "
                    "tweeted wrote".split())
_TIME = frozenset("monday tuesday wednesday thursday friday saturday sunday january february march april may june "
                  "july august september october november december yesterday today".split())
_PRONOUNS = frozenset({"he", "she", "it", "they", "we", "i", "you"})
_STOPS = frozenset("on in at that who which when and late early earlier later also had has have was were is told "
                   "added it".split())


@functools.cache
def _source_words() -> frozenset[str]:
    return frozenset(w.lower() for w in yaml.safe_load(_DATA.read_text(encoding="utf-8"))["source_words"])


def find_source(sentence: str) -> str | None:
    """The source a sentence names for what it reports, or None."""
    words = _WORDS.findall(sentence)
    lower = [w.lower() for w in words]
    for i, w in enumerate(lower):
        if w == "according" and i + 1 < len(lower) and lower[i + 1] == "to":
            src = _collect(words, i + 2, forward=True)
            if src:
                return src
    for i, w in enumerate(lower):
        if w not in _REPORT or w == "according":
            continue
        src = _collect(words, i - 1, forward=False) or _collect(words, i + 1, forward=True)
        if src:
            return src
    return None


def _collect(words: list[str], i: int, *, forward: bool) -> str | None:
    known = _source_words()
    picked: list[str] = []
    step = 1 if forward else -1
    while 0 <= i < len(words) and len(picked) < 9:
        w = words[i]
        lw = w.lower()
        if w in ('"', "“", "”", ",", ";", ":", "(", ")") or w.isdigit() or lw in _TIME:
            break
        if forward and picked and lw in ("the", "a", "an") and picked[-1].lower() != "of":
            break  # "according to X the army ...", but "commanders of the armed groups" is one phrase
        if lw in _STOPS and picked:
            break
        if (w[:1].isupper() and lw not in _PRONOUNS) or lw in known or (
                not picked and not forward and lw in _PRONOUNS):  # "said they had": not the source
            picked.append(w)
            if lw in _PRONOUNS or (not forward and lw in ("the", "a", "an")):
                break  # backwards, a determiner opens the noun phrase: "Manbij the statement said"
            i += step
            continue
        break
    if not forward:
        picked.reverse()
    while picked and picked[0].lower() in ("the", "a", "an", "of", "for", "-", "on"):
        picked.pop(0)
    while picked and picked[-1].lower() in ("the", "a", "an", "of", "for", "-"):
        picked.pop()
    if not picked or all(p.lower() in _TIME for p in picked):
        return None
    return " ".join(picked)
