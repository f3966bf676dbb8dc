"""The passages of a record that name what a trial administers, and small text helpers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from .model import Study

__all__ = ["Passage", "background", "clean", "passages", "sentence_at"]

# Same-length replacements, so offsets in the cleaned text are offsets in the original.
_CLEAN = str.maketrans({
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u00a0": " ", "\u2070": "0", "\u00b9": "1", "\u00b2": "2", "\u00b3": "3", "\u2074": "4",
    "\u2075": "5", "\u2076": "6", "\u2077": "7", "\u2078": "8", "\u2079": "9", "\u1d50": "m",
})  # fmt: skip
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z(\[\d-])|\n\s*\n|\n(?=\s*[-*\d])")


# Sentences about earlier work, not about what this trial does.
_BACKGROUND = re.compile(
    r"\b(?:has been|have been|had been|was|were|previous(?:ly)?|earlier|literature|reported|demonstrated|"
    r"estimated|studies (?:have|show)|compared? (?:to|with)|routine|conventional|such as|e\.g\.|et al)\b",
    re.IGNORECASE,
)


def background(sentence: str) -> bool:
    """Whether a sentence speaks of earlier work or practice rather than of this trial."""
    return _BACKGROUND.search(sentence) is not None


@dataclass(frozen=True)
class Passage:
    """A piece of a record: its kind (title, intervention, other_name, arm, summary, description)."""

    kind: str
    text: str
    intervention_type: str | None = None


def clean(text: str) -> str:
    """Unicode hyphens and superscript digits as ASCII ('⁸⁹Zr' → '89Zr'), offsets kept."""
    return text.translate(_CLEAN)


def sentence_at(text: str, pos: int) -> str:
    """The sentence of ``text`` that holds position ``pos``."""
    start = 0
    for m in _SENTENCE_END.finditer(text):
        if m.start() >= pos:
            return text[start : m.start()]
        start = m.end()
    return text[start:]


def passages(study: Study) -> Iterator[Passage]:
    """Where a record says what it gives: titles, interventions, arms, summary and description.

    Outcomes and eligibility criteria are left out: they name agents the trial measures against
    or requires beforehand, not agents it administers.
    """
    for title in (study.brief_title, study.official_title, study.acronym):
        if title:
            yield Passage("title", title)
    for i in study.interventions:
        yield Passage("intervention", i.name, i.type)
        for other in i.other_names:
            yield Passage("other_name", other, i.type)
        if i.description:
            yield Passage("intervention", i.description, i.type)
    for a in study.arms:
        yield Passage("arm", a.label)
        if a.description:
            yield Passage("arm", a.description)
    if study.brief_summary:
        yield Passage("summary", study.brief_summary)
    if study.detailed_description:
        yield Passage("description", study.detailed_description)
