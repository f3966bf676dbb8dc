"""Find the therapeutic drugs a trial administers or evaluates, normalized through the vocabulary."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .iris import canonical
from .model import Intervention, Study
from .text import Passage, background, clean, passages, sentence_at
from .tracers import Tracer, nuclide_mentions
from .vocab import Concept, vocabulary

__all__ = ["Drug", "find_drugs", "normalize_name"]

_THERAPY_TYPES = {"DRUG", "BIOLOGICAL", "COMBINATION_PRODUCT", None}
_NOT_DRUG = re.compile(
    r"\b(?:placebo\w*|saline|vehicle|sham|standard of care|usual care|best supportive care|observation|"
    r"no (?:intervention|treatment)|questionnaire|survey|biopsy|surgery|imaging|scan|contrast)\b",
    re.IGNORECASE,
)
# Unnamed classes name no drug ('chemotherapy', 'endocrine therapy').
_CLASS_ONLY = re.compile(
    r"^(?:(?:neo)?adjuvant |standard |conventional |systemic |investigator'?s? choice (?:of )?)?"
    r"(?:chemo(?:therapy)?|hormon(?:e|al) therapy|endocrine therapy|targeted therapy|immunotherapy|"
    r"radiotherapy|radiation(?: therapy)?|anti-?her2 (?:therapy|treatment|agents?)|"
    r"her2-?targeted (?:therapy|agents?)|"
    r"treatment|therapy|drug|medication|study drug|investigational product|experimental product)s?$",
    re.IGNORECASE,
)
# A drug named as what patients had before, or as a cold dose that only helps imaging, is not given as therapy.
_BEFORE = re.compile(
    r"(?:prior|previous(?:ly)?(?: (?:treated|received))?|pre-?treated|"
    r"after(?: (?:failure|progression))?(?: (?:of|on))?|"
    r"following|progress(?:ed|ion)? (?:on|after)|refractory to|resistant to|history of|exposure to|"
    r"cold|unlabell?ed|non-?radioactive|pre-?dose of|pre-?administered|carrier|eligible for|candidates? for)"
    r"[\s,()-]*(?:\w+[\s,()-]+){0,3}$",
    re.IGNORECASE,
)
_AFTER = re.compile(
    r"^[\s)]*(?:\([^)]{1,20}\))?[\s-]*(?:-?treated|-?pretreated|resistant|refractory|intolerant|naive|"
    r"-?exposed|failure|therapy failure)\b",
    re.IGNORECASE,
)
_ADMINISTERED = re.compile(
    r"\b(?:will|receiv\w*|treated with|treatment with|administ\w*|given|infusion|combination with|plus|"
    r"followed by|evaluat\w*|efficacy of|safety of|dose|start\w*|arm|cycles?)\b",
    re.IGNORECASE,
)
_THERAPY = re.compile(
    r"\b(?:therapy|treat\w*|neoadjuvant|adjuvant|mg/kg|loading dose|maintenance|cycles?|q3w)\b", re.IGNORECASE
)
_FORM_WORDS = re.compile(
    r"\b(?:injection|infusion|tablets?|capsules?|oral|iv|sc|i\.v\.|s\.c\.|intravenous|subcutaneous|transdermal|patch|"
    r"hydrochloride|hydrobromide|mesylate|maleate|tartrate|citrate|sulfate|phosphate|acetate|"
    r"fdc|fixed[- ]dose combination|"
    r"\d+(?:\.\d+)?\s*(?:mg|g|mcg|µg|ug|ml|iu|units?|%)(?:/(?:kg|m2|m²|day|d|ml))?)(?!\w)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Drug:
    """A drug of the trial: its normalized label, and the vocabulary concept when grounded."""

    label: str
    concept: Concept | None

    @property
    def grounded(self) -> bool:
        return self.concept is not None


def normalize_name(name: str) -> str:
    """A drug name outside the vocabulary, as a label: lower case, without dose, form or notes."""
    name = re.sub(r"\([^)]*\)|\[[^\]]*\]|®|™", " ", name)
    name = _FORM_WORDS.sub(" ", name)
    # One spelling per node: 'MK-6240', 'mk 6240' and 'Insulin Aspart (IAsp).' have one IRI, so one label.
    return canonical(name)


def _expand(concept: Concept) -> list[Drug]:
    voc = vocabulary()
    if concept.parts:  # a combination product gives its components
        return [Drug(c.label, c) for c in (voc.lookup(p) for p in concept.parts) if c]
    return [Drug(concept.label, concept)]


def _hits(text: str, skip: list[tuple[int, int]]) -> list[tuple[int, int, Concept]]:
    """Vocabulary hits that are not part of a tracer's name ('89Zr-trastuzumab')."""
    return [h for h in vocabulary().find_all(text)
            if not h[2].is_vector and not any(a <= h[0] < b for a, b in skip)]  # fmt: skip


def _given(text: str, start: int, end: int) -> bool:
    """Not named as prior therapy, a cold imaging dose or an eligibility condition."""
    return not (_BEFORE.search(text[max(0, start - 60) : start]) or _AFTER.match(text[end : end + 40]))


def _intervention_drugs(i: Intervention, vectors: set[str]) -> list[Drug]:
    if i.type not in _THERAPY_TYPES or _NOT_DRUG.search(i.name) or _CLASS_ONLY.match(normalize_name(i.name)):
        return []
    names = [clean(i.name)] + [clean(n) for n in i.other_names]
    if normalize_name(i.name) in vectors and not vocabulary().lookup(i.name):
        return []  # the tracer's own name without its nuclide ('Florbetapir' beside 'florbetapir F 18')
    if any(m.vector for m in nuclide_mentions(names[0])):
        therapeutic = [m for m in nuclide_mentions(names[0]) if m.nuclide and m.nuclide.therapeutic]
        return [Drug(normalize_name(i.name), None)] if therapeutic else []
    drugs = [d for n in names for _, _, c in _hits(n, []) for d in _expand(c)]
    if not drugs:
        label = normalize_name(i.name)
        return [Drug(label, None)] if label and not _CLASS_ONLY.match(label) else []
    cold = i.description and _BEFORE.search(clean(i.description)[:200])
    return [d for d in drugs if not (d.label in vectors and cold)]


def _text_drugs(p: Passage, vectors: set[str]) -> list[Drug]:
    text = clean(p.text)
    spans = [(m.start, m.end) for m in nuclide_mentions(text) if m.vector]
    out = []
    for start, end, concept in _hits(text, spans):
        sentence = sentence_at(text, start)
        if not _given(text, start, end):
            continue
        if p.kind in {"summary", "description"} and (background(sentence) or not _ADMINISTERED.search(sentence)):
            continue
        # A tracer's vector (trastuzumab of 89Zr-trastuzumab) is a drug only when given as therapy.
        if concept.label in vectors and not _THERAPY.search(sentence):
            continue
        out += _expand(concept)
    return out


def find_drugs(study: Study, tracers: list[Tracer]) -> list[Drug]:
    """The distinct therapeutic drugs of a trial: interventions, arms, titles, summary, description."""
    vectors = {t.vector for t in tracers if t.vector}
    found: dict[str, Drug] = {}
    for i in study.interventions:
        for d in _intervention_drugs(i, vectors):
            found.setdefault(d.label, d)
    for p in passages(study):
        if p.kind in {"arm", "title", "summary", "description"}:
            for d in _text_drugs(p, vectors):
                found.setdefault(d.label, d)
    return sorted(found.values(), key=lambda d: d.label)
