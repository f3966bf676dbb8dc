"""The curated drug vocabulary (ontology/drugs.ttl): look drug names up, find them in text."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import resources
from .terms import CURIES

__all__ = ["SCHEME", "Concept", "Vocabulary", "load", "vocabulary"]

SCHEME = "https://w3id.org/trialkg/drugs"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_DCT = "http://purl.org/dc/terms/"
_CURIES = tuple((ns, f"{prefix}:") for prefix, ns in CURIES.items())

_TOKEN = re.compile(r"[^\W_]+")
_SPLIT = re.compile(r"([^\W_]+)")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_ASCII_SPLIT = re.compile(r"([a-z0-9]+)")  # the same on lower-cased ASCII, faster
# What may stand between two words of one name in running text: 'T-DM1', 'ado-trastuzumab
# emtansine', 'ICI 46,474'. Anything else ('.', ';', '(', '+') ends a name: lists stay apart.
_GAP = re.compile(r"[\s\-\u2010-\u2015/,'\u2019\u00b7]{1,3}")

# Words a registry adds to a drug's name that do not make another drug: dosage form and route
# ('Trastuzumab IV', 'Neratinib tablets', 'Methotrexate for injection'), the salt of a small
# molecule ('Lapatinib ditosylate', 'Doxorubicin hydrochloride') and a trailing dose ('Afatinib
# 40 mg'). Liposomal, pegylated or albumin-bound forms are other drugs: never dropped.
_FORMS = {
    "injection", "injections", "injectable", "infusion", "tablet", "tablets", "capsule", "capsules",
    "iv", "sc", "intravenous", "intravenously", "subcutaneous", "subcutaneously", "oral", "orally",
    "solution", "concentrate", "powder", "lyophilized", "for", "film", "coated",
}  # fmt: skip
_SALTS = {
    "hydrochloride", "dihydrochloride", "hcl", "hydrobromide", "mesylate", "dimesylate", "mesilate",
    "tosylate", "ditosylate", "besylate", "maleate", "dimaleate", "malate", "citrate", "tartrate",
    "ditartrate", "bitartrate", "sulfate", "sulphate", "acetate", "succinate", "fumarate",
    "phosphate", "lactate", "sodium", "disodium", "potassium", "dipotassium", "calcium",
    "magnesium", "monohydrate", "dihydrate", "trihydrate", "hydrate", "anhydrous",
}  # fmt: skip
_UNIT = re.compile(r"\d*(?:mg|g|mcg|ug|µg|ml|iu|kg|m2)")
_NUMBER = re.compile(r"\d+")
_BRACKETED = re.compile(r"\s*(.+?)\s*[(\[]([^()\[\]]+)[)\]]\s*")
_LEADING = {"oral", "iv", "sc", "intravenous", "subcutaneous"}


@dataclass(frozen=True)
class Concept:
    """A drug (or a tracer's targeting molecule) with every name it goes by.

    ``synonyms`` are the altLabels as written; ``ids`` external identifiers as CURIEs
    ('MESH:C000614160', 'NCIT:C128799'); ``parts`` the labels of the drugs a combination product
    contains; ``is_vector`` marks targeting molecules of tracers, which are never a therapy.
    """

    iri: str
    label: str
    synonyms: frozenset[str] = frozenset()
    ids: tuple[str, ...] = ()
    parts: tuple[str, ...] = ()
    is_vector: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return (self.label, *sorted(self.synonyms))


def _fold(text: str) -> str:
    """Case- and accent-insensitive form of one word."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFKD", text)
    return "".join(c for c in text if not unicodedata.combining(c)).casefold()


def _words(name: str) -> list[str]:
    """The folded words of a name, folded exactly as find_all folds running text."""
    return _TOKEN.findall(_fold_text(name))


@lru_cache(maxsize=4096)
def _fold_char(c: str) -> str:
    """One character folded to one: 'É' to 'e', '；' to ';', a dash or space to '-' or ' ', other
    non-ASCII punctuation to '#' (which ends a name); a letter left as is when it folds to more."""
    for folded in (_fold(c), c.lower()):
        if len(folded) == 1 and (folded.isascii() or folded.isalnum()):
            return folded
    if c.isalnum():
        return c
    return " " if c.isspace() else "-" if _GAP.fullmatch(c) else "#"


def _fold_text(text: str) -> str:
    """Case- and accent-insensitive form of a text, character for character (offsets stay)."""
    low = text.lower()
    if low.isascii():
        return low
    if len(low) != len(text):  # 'İ' lower-cases to two characters
        return "".join(map(_fold_char, text))
    return _NON_ASCII.sub(lambda m: _fold_char(m[0]), low)


def _variants(name: str) -> set[tuple[str, ...]]:
    """Word sequences a name is written as: as is, and closed up ('DS-8201a' as 'DS8201a').

    Names shorter than four letters are not closed up: 'S-1' must not match 'S1' of 'Table S1'.
    """
    words = tuple(_words(name))
    closed = ("".join(words),)
    return {words, closed} if len(closed[0]) >= 4 else {words}


def _strip(words: list[str]) -> Iterator[list[str]]:
    """The name without leading route, trailing form, route, salt and dose words, word by word."""
    while len(words) > 1 and words[0] in _LEADING:
        words = words[1:]
        yield words
    unit = False  # a number is a dose only before a unit: 'Afatinib 40 mg', not 'Interleukin 2'
    while len(words) > 1:
        last = words[-1]
        if last in _FORMS or last in _SALTS or (unit and _NUMBER.fullmatch(last)):
            unit = False
        elif _UNIT.fullmatch(last):
            unit = True
        else:
            return
        words = words[:-1]
        yield words


class Vocabulary:
    """Concepts indexed by every name: exact lookups and a word trie for mentions in text."""

    def __init__(self, concepts: Iterable[Concept]) -> None:
        self.concepts: tuple[Concept, ...] = tuple(sorted(concepts, key=lambda c: c.label))
        self._by_key: dict[str, Concept] = {}
        self._by_label: dict[str, Concept] = {}
        # Trie over words: each node maps a word to the next node; the key None holds the concept
        # a name ending there stands for.
        self._trie: dict[Any, Any] = {}
        self.clashes: list[tuple[str, str, str]] = []  # (name, concept, other concept)
        for concept in self.concepts:
            self._by_label[concept.label] = concept
            for name in concept.names:
                self._index(name, concept)

    def _index(self, name: str, concept: Concept) -> None:
        key = "".join(_words(name))
        other = self._by_key.setdefault(key, concept)
        if other is not concept:
            self.clashes.append((name, concept.label, other.label))
        for words in _variants(name):
            node = self._trie
            for word in words:
                node = node.setdefault(word, {})
            node.setdefault(None, concept)

    def __len__(self) -> int:
        return len(self.concepts)

    def __iter__(self) -> Iterator[Concept]:
        return iter(self.concepts)

    def by_label(self, label: str) -> Concept | None:
        """The concept whose preferred label this is."""
        return self._by_label.get(label)

    def lookup(self, name: str) -> Concept | None:
        """The concept a drug name stands for, or None.

        Names match when their words match, ignoring case, accents, punctuation and spacing
        ('T-DXd' = 'TDXd' = 't dxd'), a trailing ®/™, a leading route ('Oral', 'IV') and trailing
        dosage-form, route, salt and dose words ('Trastuzumab IV', 'Lapatinib ditosylate tablets',
        'Afatinib 40 mg'). The full name is tried first, then shorter and shorter ones; a name
        with a bracketed alias ('Trastuzumab deruxtecan (T-DXd)') is looked up by either part.
        """
        if (hit := self._lookup(_words(name))) is not None:
            return hit
        # 'Trastuzumab deruxtecan (T-DXd)': the name outside the brackets, else the one inside,
        # unless the two stand for different drugs.
        if (m := _BRACKETED.fullmatch(name)) is not None:
            outside, inside = self._lookup(_words(m[1])), self._lookup(_words(m[2]))
            if outside is None or inside is None or outside is inside:
                return outside or inside
        return None

    def _lookup(self, words: list[str]) -> Concept | None:
        if not words:
            return None
        if (hit := self._by_key.get("".join(words))) is not None:
            return hit
        for shorter in _strip(words):
            if (hit := self._by_key.get("".join(shorter))) is not None:
                return hit
        return None

    def find_all(self, text: str) -> list[tuple[int, int, Concept]]:
        """Every mention of a concept in ``text`` as (start, end, concept), by character offsets.

        Mentions are whole words, case-insensitive, longest first and never overlapping; the words
        of one name may be joined by spaces, hyphens or slashes ('DS-8201a', 'DS 8201a', 'DS8201a').
        """
        # Split once into gaps and words (at C speed): parts = [gap, word, gap, word, ..., gap].
        low = _fold_text(text)  # as long as text, so offsets carry over
        parts = (_ASCII_SPLIT if low.isascii() else _SPLIT).split(low)
        words = parts[1::2]
        trie, n = self._trie, len(words)
        found: list[tuple[int, int, Concept]] = []
        done = offset = counted = 0  # offset: characters in parts[:counted]
        for i in [k for k, w in enumerate(words) if w in trie]:
            if i < done:
                continue
            node, best, j = trie[words[i]], None, i
            while True:
                if (hit := node.get(None)) is not None:
                    best = (j, hit)
                j += 1
                if j >= n or not _GAP.fullmatch(parts[2 * j]):
                    break
                node = node.get(words[j])
                if node is None:
                    break
            if best is None:
                continue
            offset += sum(map(len, parts[counted : 2 * i + 1]))
            counted = 2 * i + 1
            end = offset + sum(map(len, parts[counted : 2 * best[0] + 2]))
            found.append((offset, end, best[1]))
            done = best[0] + 1
        return found


def load(path: str | Path) -> Vocabulary:
    """Read a SKOS concept scheme of drugs from a Turtle file."""
    from rdflib import Graph, Literal, URIRef

    g = Graph().parse(str(path), format="turtle")
    skos = {k: URIRef(_SKOS + k) for k in ("inScheme", "prefLabel", "altLabel", "exactMatch")}
    has_part, dtype = URIRef(_DCT + "hasPart"), URIRef(_DCT + "type")
    labels = {s: str(o) for s, o in g.subject_objects(skos["prefLabel"])}
    concepts = []
    for node in g.subjects(skos["inScheme"], URIRef(SCHEME)):
        ids = []
        for target in g.objects(node, skos["exactMatch"]):
            iri = str(target)
            ids += [curie + iri[len(ns) :] for ns, curie in _CURIES if iri.startswith(ns)]
        concepts.append(Concept(
            iri=str(node),
            label=labels[node],
            synonyms=frozenset(str(o) for o in g.objects(node, skos["altLabel"])),
            ids=tuple(sorted(ids)),
            parts=tuple(sorted(labels[p] for p in g.objects(node, has_part))),
            is_vector=(node, dtype, Literal("vector")) in g,
        ))  # fmt: skip
    return Vocabulary(concepts)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """The shipped vocabulary, loaded once."""
    return load(resources.path("ontology") / "drugs.ttl")
