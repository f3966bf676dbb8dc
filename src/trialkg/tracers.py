"""Recognize the radiotracers a trial administers, in every notation registries use."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .iris import canonical
from .model import Study
from .text import Passage, background, clean, passages, sentence_at
from .vocab import vocabulary

__all__ = ["NUCLIDES", "Nuclide", "Tracer", "find_tracers", "nuclide_mentions"]


@dataclass(frozen=True)
class Nuclide:
    """A radionuclide: symbol, mass number, element name, imaging modality, therapeutic use."""

    symbol: str
    mass: str
    element: str
    modality: str | None  # PET for positron emitters, SPECT for gamma emitters
    therapeutic: bool = False

    @property
    def label(self) -> str:
        return f"{self.symbol}-{self.mass}"


NUCLIDES: tuple[Nuclide, ...] = (
    Nuclide("F", "18", "fluorine", "PET"), Nuclide("Ga", "68", "gallium", "PET"),
    Nuclide("Zr", "89", "zirconium", "PET"), Nuclide("Cu", "64", "copper", "PET"),
    Nuclide("Cu", "61", "copper", "PET"), Nuclide("I", "124", "iodine", "PET"),
    Nuclide("C", "11", "carbon", "PET"), Nuclide("N", "13", "nitrogen", "PET"),
    Nuclide("O", "15", "oxygen", "PET"), Nuclide("Rb", "82", "rubidium", "PET"),
    Nuclide("Sc", "44", "scandium", "PET"), Nuclide("Y", "86", "yttrium", "PET"),
    Nuclide("Tc", "99m", "technetium", "SPECT"), Nuclide("In", "111", "indium", "SPECT"),
    Nuclide("I", "123", "iodine", "SPECT"), Nuclide("I", "125", "iodine", "SPECT"),
    Nuclide("Ga", "67", "gallium", "SPECT"), Nuclide("Tl", "201", "thallium", "SPECT"),
    Nuclide("Lu", "177", "lutetium", "SPECT", therapeutic=True),
    Nuclide("I", "131", "iodine", "SPECT", therapeutic=True),
    Nuclide("Y", "90", "yttrium", None, therapeutic=True),
    Nuclide("Ac", "225", "actinium", None, therapeutic=True),
    Nuclide("Pb", "212", "lead", None, therapeutic=True),
    Nuclide("Ra", "223", "radium", None, therapeutic=True),
    Nuclide("Th", "227", "thorium", None, therapeutic=True),
    Nuclide("At", "211", "astatine", None, therapeutic=True),
    Nuclide("Cu", "67", "copper", None, therapeutic=True),
)  # fmt: skip
_BY_KEY = {(n.symbol.lower(), n.mass.lower()): n for n in NUCLIDES}
# The imaging isotope meant when a record names a labelled agent by element alone ('Zr-DFO-…').
_DEFAULT_MASS = {"zr": "89", "ga": "68", "tc": "99m", "in": "111", "cu": "64", "f": "18"}

_SYM = "|".join(sorted({re.escape(n.symbol) for n in NUCLIDES}, key=len, reverse=True))
_NAME = "|".join(sorted({n.element for n in NUCLIDES}))
_MASS = r"\d{1,3}m?"
# Every notation in one pattern; named groups say which. Symbols are matched case-insensitively
# and checked against the table, so 'PD-1' or 'Phase I-131' never become nuclides.
# An optional hyphen between spaces: '\s*-?\s*' would split a long run of spaces every way (time square).
_DASH = r"(?:\s*-\s*|\s*)"
_NUCLIDE = re.compile(
    rf"(?<![\w.])(?:"
    rf"(?P<n1>{_NAME})\s+(?P<s1>{_SYM}){_DASH}(?P<m1>{_MASS})(?![\d])"  # 'copper Cu 64'
    rf"|(?P<n2>{_NAME})\s*-\s*(?P<m2>{_MASS})(?![\d])"  # 'zirconium-89'
    rf"|(?P<m6>{_MASS}){_DASH}(?P<n6>{_NAME})(?![a-z])"  # '68 Gallium', '99m-technetium'
    rf"|\[?(?P<m3>{_MASS}){_DASH}(?P<s3>{_SYM})(?-i:(?![a-z]))\]?"  # '89Zr', '[68Ga]', '89-Zr', '68GaNOTA'
    rf"|\[?(?P<s4>{_SYM}){_DASH}(?P<m4>{_MASS})(?![\d])\]?"  # 'Zr-89', 'Zr89', 'F 18'
    rf"|(?P<s5>Zr|Ga|Tc|In|Cu|F)(?=-(?:DFO|Df|DOTA|NOTA|NODAGA|FDG)\b)"  # 'Zr-DFO-…': mass implied
    rf")",
    re.IGNORECASE,
)
_CHELATOR = r"(?:AlF|DFO\*?|Df|DOTA|NOTA|NODAGA|DTPA|HYNIC|GMIB|SGMIB|TCO|Tz)"
# After a nuclide: ']' and a repeated element ('[68Ga]Ga-'), separators, chelators, then the vector.
# A chelator may be spelled out before its abbreviation: 'tetra-azacyclododecanetetra-acetic acid (DOTA)-'.
_SPELLED = rf"(?:[\w-]+(?:\s+[\w-]+){{0,2}}\s*\({_CHELATOR}\){_DASH})"
_LEAD = re.compile(
    rf"\s*\]?\s*(?:(?:{_SYM})(?=-))?{_DASH}(?:{_SPELLED}|{_CHELATOR}{_DASH})*", re.IGNORECASE
)
_WORD = re.compile(r"[A-Za-z][\w]*(?:-[\w]+)*")
# Words that end a vector name, or are never one ('PET with 89Zr', '18F positron emission tomography').
_STOP = {"pet", "spect", "ct", "mri", "scan", "scans", "imaging", "injection", "pet/ct", "tracer", "uptake",
         "labeled", "labelled", "and", "or", "in", "of", "for", "with", "is", "the", "a", "an", "at", "by", "as",
         "to", "was", "will", "be", "are", "positron", "emission", "tomography", "radiopharmaceutical",
         "radiotracer", "agent", "scintigraphy", "administration", "intravenously", "intravenous", "compared",
         "versus", "vs", "study", "dose", "doses", "activity", "mbq", "mci", "using", "via", "based", "ligand",
         "probe", "radioligand", "tau", "amyloid", "gamma", "camera", "on", "after", "before", "from", "this",
         "that", "which", "per", "each", "plus", "given", "patients", "signal", "example", "isotope",
         "radioisotope", "nuclide", "radionuclide", "radio-nuclide", "either", "label", "undergo", "receive",
         "like", "including", "than", "other"}  # fmt: skip
_ELEMENTS = {n.element for n in NUCLIDES}
# A second word belongs to the vector when it is a code ('VHH1', 'B') or a noun of a compound name.
_SECOND = {"colloid", "albumin", "antibody", "affibody", "nanobody", "compound", "acid", "serum"}
# Vectors a registry writes without a radionuclide but which always carry one: FDG is 18F.
_IMPLIED = {"fluorodeoxyglucose": "18"}
_TARGETS = {"her2": "ERBB2", "erbb2": "ERBB2", "trastuzumab": "ERBB2", "pertuzumab": "ERBB2",
            "aby-025": "ERBB2", "ge-226": "ERBB2", "adapt6": "ERBB2", "psma": "FOLH1",
            "dotatate": "SSTR2", "dotatoc": "SSTR2", "fluoroestradiol": "ESR1", "fapi": "FAP"}  # fmt: skip
_ADMINISTERED = re.compile(
    r"\b(?:will|receive[sd]?|undergo(?:es)?|inject(?:ed|ion)?|administ\w*|performed|given|this study|"
    r"we (?:will|aim)|imaging with|scan with)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Tracer:
    """A tracer the trial administers."""

    label: str
    nuclide: Nuclide
    vector: str | None
    vector_is_drug: bool
    target: str | None
    chelator: str | None = None

    @property
    def modality(self) -> str | None:
        return self.nuclide.modality


@dataclass(frozen=True)
class Mention:
    """A radionuclide mention with the vector that follows it, if any."""

    start: int
    end: int
    nuclide: Nuclide | None
    symbol: str
    vector: str | None
    vector_is_drug: bool
    chelator: str | None


def _nuclide(m: re.Match[str]) -> tuple[Nuclide | None, str]:
    symbol = (m["s1"] or m["s3"] or m["s4"] or m["s5"] or "").lower()
    mass = (m["m1"] or m["m2"] or m["m3"] or m["m4"] or m["m6"] or "").lower()
    if name := (m["n2"] or m["n6"]):
        symbol = next((n.symbol.lower() for n in NUCLIDES if n.element == name.lower()), "")
    if m["s5"]:
        mass = _DEFAULT_MASS.get(symbol, "")
    # Single-letter symbols are case-sensitive in practice ('f 18' is not fluorine-18).
    letters = m["s1"] or m["s3"] or m["s4"] or m["s5"] or ""
    if len(letters) == 1 and letters.islower():
        return None, symbol
    return _BY_KEY.get((symbol, mass)), symbol


def _vector(text: str, pos: int) -> tuple[str | None, bool, str | None, int]:
    """The vector written right after a nuclide at ``pos``: (label, is a drug, chelator, end)."""
    lead = _LEAD.match(text, pos)
    chelator = None
    if lead:
        found = re.findall(_CHELATOR, lead.group(0), re.IGNORECASE)
        chelator = found[-1] if found else None
        pos = lead.end()
    rest = text[pos : pos + 60]
    if rest[:2] == "DG" or rest[:3].upper() == "FDG":  # '18FDG', '18F-FDG'
        return "fluorodeoxyglucose", False, chelator, pos + (2 if rest[:2] == "DG" else 3)
    hits = vocabulary().find_all(rest)
    if hits and hits[0][0] == 0:
        _, end, concept = hits[0]
        return concept.label, not concept.is_vector, chelator, pos + end
    words: list[tuple[int, int]] = []
    for m in _WORD.finditer(rest):
        word = m.group(0)
        if m.start() > (words[-1][1] + 1 if words else 0) or word.lower() in _STOP:
            break
        if words and not (re.search(r"\d", word) or re.fullmatch(r"[A-Z]", word) or word.lower() in _SECOND):
            break
        words.append((m.start(), m.end()))
        if len(words) == 2:
            break
    if not words or rest[words[0][0] : words[0][1]].lower() in _ELEMENTS:
        return None, False, chelator, pos
    name = re.sub(r"-(?:pet|ct|spect|scan|mri)$", "", rest[words[0][0] : words[-1][1]].lower())
    return canonical(name), False, chelator, pos + words[-1][1]


def _vector_before(text: str, start: int) -> str | None:
    """USAN names put the nuclide last: 'florbetapir F 18', 'fludeoxyglucose F-18', 'Tc 99m sestamibi'."""
    m = re.search(r"([A-Za-z][\w-]*)[\s-]+$", text[max(0, start - 40) : start])
    if not m or m.group(1).lower() in _STOP or m.group(1).lower() in _ELEMENTS or _NUCLIDE.fullmatch(m.group(1)):
        return None
    concept = vocabulary().lookup(m.group(1))
    return concept.label if concept else canonical(m.group(1))


# A necessary condition, checked first because most texts name no nuclide: a known mass number
# standing alone, or an element written before a chelator.
_MASSES = "|".join(sorted({n.mass for n in NUCLIDES}, key=len, reverse=True))
# Case-sensitive and without look-behind: thirty times faster than the full pattern, a superset of it.
_HINT = re.compile(rf"(?:{_MASSES})(?!\d)|(?:Zr|Ga|Tc|In|Cu|F)-(?:DFO|Df|DOTA|NOTA|NODAGA|FDG)")


@lru_cache(maxsize=4096)  # tracers and drugs both scan the same passages
def nuclide_mentions(text: str) -> tuple[Mention, ...]:
    """Every radionuclide mention in a text, with the vector written after it when there is one."""
    text = clean(text)
    if not _HINT.search(text):
        return ()
    out: list[Mention] = []
    for m in _NUCLIDE.finditer(text):
        nuclide, symbol = _nuclide(m)
        vector, is_drug, chelator, end = _vector(text, m.end())
        start = m.start()
        # Only the USAN order ('florbetapir F 18', symbol before mass) names the vector first.
        usan = m["s4"] is not None and text[m.start()] != "["
        if vector is None and nuclide is not None and usan and (before := _vector_before(text, m.start())):
            concept = vocabulary().lookup(before)
            vector, is_drug = before, bool(concept and not concept.is_vector)
            start = max(0, text.lower().rfind(before, 0, m.start()))
        out.append(Mention(start, end, nuclide, symbol, vector, is_drug, chelator))
    # 'Zr-DFO-pertuzumab' or 'F-FDG' with the mass left out: take the one the same text gives.
    return tuple(_implied(x) for x in out)


def _implied(x: Mention) -> Mention:
    if x.nuclide is None and x.vector in _IMPLIED and x.symbol == "f":
        return Mention(x.start, x.end, _BY_KEY[("f", "18")], "f", x.vector, x.vector_is_drug, x.chelator)
    return x


def _shared_vector(text: str, mentions: list[Mention]) -> list[Mention]:
    """'68Ga/18F-HER2 Affibody': nuclides joined by '/', 'or' or 'and' share the vector after the last."""
    for i in range(len(mentions) - 2, -1, -1):
        a, b = mentions[i], mentions[i + 1]
        if a.vector is None and re.fullmatch(r"\s*\]?\s*(?:/|or|and|,|&)\s*\[?", text[a.end : b.start]):
            mentions[i] = Mention(a.start, a.end, a.nuclide, a.symbol, b.vector, b.vector_is_drug, b.chelator)
    return mentions


def _target(vector: str) -> str | None:
    for key, gene in _TARGETS.items():
        if key in vector.split() or key in vector.split("-") or vector.startswith(key) or f"anti-{key}" in vector:
            return gene
    return None


def _label(nuclide: Nuclide, vector: str, chelator: str | None) -> str:
    iso = f"[{nuclide.mass}{nuclide.symbol}]"
    name = "FDG" if vector == "fluorodeoxyglucose" else vector
    if chelator and chelator.lower() == "alf":
        return f"{iso}AlF-{name}"
    metal = nuclide.symbol not in {"F", "C", "N", "O", "I"}
    return f"{iso}{nuclide.symbol}-{name}" if metal else f"{iso}{name}"


def _counts(p: Passage, sentence: str) -> bool:
    """Whether a mention in this passage names an agent the trial itself administers."""
    if p.kind in {"intervention", "other_name", "arm", "title"}:
        return True
    is_background = background(sentence)
    if p.kind == "summary":
        return not is_background
    return _ADMINISTERED.search(sentence) is not None and not is_background


def find_tracers(study: Study) -> list[Tracer]:
    """The distinct tracers a trial administers, one per (radionuclide, vector)."""
    found: dict[tuple[str, str], Tracer] = {}
    for p in passages(study):
        text = clean(p.text)
        mentions = _shared_vector(text, list(nuclide_mentions(text)))
        for x in mentions:
            if x.nuclide is None or x.vector is None or x.nuclide.therapeutic:
                continue  # no vector: 'PET with 89Zr' names no agent; therapeutic: a drug
            if not _counts(p, sentence_at(text, x.start)):
                continue
            key = (x.nuclide.label, x.vector)
            if key not in found:
                found[key] = Tracer(_label(x.nuclide, x.vector, x.chelator), x.nuclide, x.vector,
                                    x.vector_is_drug, _target(x.vector), x.chelator)  # fmt: skip
        if p.kind in {"intervention", "arm", "title", "summary"}:
            _bare_fdg(p, text, found)
    return sorted(found.values(), key=lambda t: t.label)


_FDG = re.compile(r"(?<![\w\]-])(?:FDG|fluorodeoxyglucose|fludeoxyglucose)(?![\w])", re.IGNORECASE)


def _bare_fdg(p: Passage, text: str, found: dict[tuple[str, str], Tracer]) -> None:
    """FDG written without its radionuclide is still [18F]FDG (it is never labelled otherwise)."""
    low = text.lower()
    if ("F-18", "fluorodeoxyglucose") in found or ("fdg" not in low and "deoxyglucose" not in low):
        return
    for m in _FDG.finditer(text):
        if _counts(p, sentence_at(text, m.start())):
            nuclide = _BY_KEY[("f", "18")]
            found[("F-18", "fluorodeoxyglucose")] = Tracer("[18F]FDG", nuclide, "fluorodeoxyglucose", False, None)
            return
