"""Long trial pages as text (title, 'NCT ID:', headed sections with one-line blurbs) to a Study."""

from __future__ import annotations

import re

from .. import enums
from ..enums import NCT
from ..model import Study
from . import page_long_parts as parts

__all__ = ["parse", "score"]


def _table(spec: dict[str, str]) -> dict[str, str]:
    """Invert {key: 'alias|alias'} to {alias: key}."""
    return {alias: key for key, aliases in spec.items() for alias in aliases.split("|")}


# Section headers (matched case-insensitively on their own line) and their keys.
_HEADERS = _table({
    "results": "study results",
    "basic": "basic information|study overview",
    "summary": "brief summary|summary",
    "description": "detailed description",
    "conditions": "conditions|condition",
    "keywords": "keywords",
    "design": "study design",
    "groups": "study groups|study arms|arm groups|arms",
    "interventions": "interventions",
    "outcome:primary": "primary outcome|primary outcomes|primary outcome measures",
    "outcome:secondary": "secondary outcome|secondary outcomes|secondary outcome measures",
    "outcome:other": "other outcome|other outcomes|other outcome measures"
    "|other pre-specified outcome measures",
    "outcome:unspecified": "outcome measures|outcomes",
    "eligibility": "eligibility criteria|eligibility",
    "sponsors": "sponsors|sponsors and collaborators",
    "party": "responsible party",
    "investigators": "principal investigators|investigators|study officials",
    "locations": "locations|study locations",
    "countries": "countries",
    "central_contacts": "central contacts|contacts",
    "facility_contacts": "facility contacts|site contacts",
    "references": "references|publications",
    "identifiers": "other identifiers|identifiers",
    "related": "more related trials|related trials",
})  # fmt: skip
# Free-text sections: their first paragraph is content unless the page uses blurbs.
_TEXT = frozenset({"results", "summary", "description", "eligibility"})
# The layout opens Study Results with its status ('Results pending') instead of a blurb.
_UNDESCRIBED = frozenset({"results"})
_BASIC = _table({
    "status": "recruitment status|overall status|status",
    "phases": "clinical phase|phase|phases",
    "enrollment": "total enrollment|enrollment",
    "study_type": "study classification|study type",
    "start_date": "study start date|start date",
    "primary_completion_date": "primary completion date",
    "completion_date": "study completion date|completion date",
    "first_posted": "first posted",
    "last_update_posted": "last updated|last update posted",
})
# Keys are both enums.KNOWN kinds and Study attributes.
_DESIGN = _table({
    "allocation": "allocation method|allocation",
    "intervention_model": "intervention model",
    "observational_model": "observational model type|observational model",
    "time_perspective": "study time perspective|time perspective",
    "primary_purpose": "primary study purpose|primary purpose",
    "masking": "blinding strategy|masking|blinding",
})
_ELIGIBILITY = _table({
    "minimum_age": "minimum eligible age|minimum age",
    "maximum_age": "maximum eligible age|maximum age",
    "sex": "eligible sex|sex|gender",
    "healthy": "accepts healthy volunteers|healthy volunteers",
})
# Only these end the criteria text: 'Sex' alone on a line may be part of the criteria.
_CRITERIA_END = frozenset(k for k in _ELIGIBILITY if " " in k)

_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~])")
# The label in any case, the id as registered: 'nct01234567' or 'NCT٠١...' is no NCT id.
_NCT_LINE = re.compile(rf"nct id:?\s*((?-i:{NCT.pattern}))\b.*", re.I)
_DATE_LINE = re.compile(r"(last updated|last update posted|first posted):\s*(.+)", re.I)
_RESULT_WORD = re.compile(r"\bresults?\b", re.I)
_PENDING_WORD = re.compile(r"\b(pending|not (yet )?(posted|available|published))", re.I)
_NO_RESULTS = re.compile(r"\bno results\b", re.I)


def _pending(line: str) -> bool:
    """'Results pending', 'No results posted': the line says results are not out yet. The pending words
    are looked for after the first 'result' only, so a long line is read once (not once per 'result')."""
    first = _RESULT_WORD.search(line)
    return bool(first and _PENDING_WORD.search(line, first.end())) or bool(_NO_RESULTS.search(line))


def _header(line: str) -> str:
    return " ".join(line.split()).lower()


def score(text: str) -> float:
    """How much ``text`` looks like a long page: section headers, an 'NCT ID:' line, role lines."""
    lines = [line.strip() for line in text.splitlines()]
    headers = {_HEADERS[h] for h in map(_header, lines) if h in _HEADERS}
    markers = sum(1 for line in lines if any(m.fullmatch(line) for m in parts.MARKERS))
    nct = any(_NCT_LINE.fullmatch(line) for line in lines)
    return round(0.6 * min(1.0, len(headers) / 8) + 0.2 * nct + 0.2 * min(1.0, markers / 3), 3)


def _sections(lines: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """Lines before the first header, and each section's lines without its blurb.

    A header must stand apart (a blank line above or below); on a page with blurbs,
    a header line without one inside free text, or a header seen before, is content."""
    blank = [not line.strip() for line in [""] + lines + [""]]  # blank[i] is line i - 1
    found = [(i, key) for i, line in enumerate(lines)
             if (key := _HEADERS.get(_header(line))) and (blank[i] or blank[i + 2])]  # fmt: skip
    blurbs = {i: _blurb_at(lines, i + 1) for i, _ in found}
    votes = [blurbs[i] is not None for i, key in found if key not in _TEXT]
    if not votes:  # only free-text sections: their first paragraph decides
        votes = [blurbs[i] is not None for i, _ in found]
    uses = sum(votes) * 2 > len(votes)
    head: list[str] = []
    out: dict[str, list[str]] = {}
    body, current, skip = head, "", -1
    starts = dict(found)
    for i, line in enumerate(lines):
        key = starts.get(i)
        # On a page with blurbs, a header line without one inside free text is part of it.
        loose = uses and blurbs.get(i) is None and current in _TEXT and key not in _UNDESCRIBED
        if key and key not in out and not loose:
            body = out[key] = []
            current, skip = key, (blurbs[i] if uses else None) or -1
        elif i != skip:
            body.append(line)
    return head, out


def _blurb(line: str) -> bool:
    """A section description: one short sentence without digits."""
    words = line.split()
    return 5 <= len(words) <= 40 and line[0].isupper() and line[-1] in ".!?" and not any(
        c.isdigit() for c in line
    )


def _blurb_at(lines: list[str], start: int) -> int | None:
    """Index of the first non-empty line from ``start`` when it is a one-line blurb paragraph."""
    idx = next((i for i in range(start, len(lines)) if lines[i].strip()), None)
    if idx is None or (idx + 1 < len(lines) and lines[idx + 1].strip()):
        return None
    return idx if _blurb(lines[idx].strip()) else None


def _items(body: list[str]) -> list[str]:
    return [line.strip() for line in body if line.strip()]


def _paragraphs(body: list[str]) -> list[str]:
    out: list[list[str]] = [[]]
    for line in body:
        if line.strip():
            out[-1].append(line.strip())
        elif out[-1]:
            out.append([])
    return ["\n".join(p) for p in out if p]


def _text(body: list[str]) -> str | None:
    return "\n\n".join(_paragraphs(body)) or None


def _pairs(items: list[str], labels: dict[str, str], where: str, w: list[str]) -> dict[str, str]:
    """Label line / value line pairs; a known label directly followed by a label has no value."""
    out: dict[str, str] = {}
    i = 0
    while i < len(items):
        key = labels.get(_header(items[i]))
        value = items[i + 1] if i + 1 < len(items) and _header(items[i + 1]) not in labels else None
        if key is None:
            w.append(f"unknown {where} field {items[i]!r}" + (f": {value!r}" if value else ""))
        elif value is not None:
            out[key] = value
        i += 2 if value is not None else 1
    return out


def parse(text: str) -> Study:
    """Map one long page to a Study; lines this mapping does not place land in ``warnings``."""
    w: list[str] = []
    lines = [_ESCAPE.sub(r"\1", line).rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    head, sections = _sections(lines)
    study = Study(nct_id=None, warnings=w)
    _head(study, head, lines, w)
    items = {key: _items(body) for key, body in sections.items()}
    _basic(study, items.get("basic", []), w)
    study.brief_summary = _text(sections.get("summary", []))
    study.detailed_description = _text(sections.get("description", []))
    if "results" in items:
        study.has_results = (not _pending(items["results"][0])) if items["results"] else None
    conditions = items.get("conditions", [])
    study.conditions = conditions
    study.conditions_joined = len(conditions) == 1
    study.keywords = items.get("keywords", [])
    for kind, value in _pairs(items.get("design", []), _DESIGN, "study design", w).items():
        setattr(study, kind, enums.enum(kind, value, w))
    parts.arms(study, items.get("groups", []), items.get("interventions", []), w)
    for key in items:
        if key.startswith("outcome:"):
            study.outcomes += parts.outcomes(key.split(":")[1], items[key], w)
    _eligibility(study, sections.get("eligibility", []), w)
    parts.sponsors(study, items.get("sponsors", []), items.get("party", []), w)
    study.investigators = parts.investigators(items.get("investigators", []), w)
    study.locations = parts.locations(items.get("locations", []), items.get("countries", []), w)
    only = study.locations[0].facility if len(study.locations) == 1 else None
    study.contacts = parts.contacts(items.get("central_contacts", []), None, w) + parts.contacts(
        items.get("facility_contacts", []), only, w
    )
    study.references = parts.references(items.get("references", []), w)
    parts.identifiers(study, items.get("identifiers", []), w)
    study.related_listed = parts.related(items.get("related", []), w)
    return study


def _head(study: Study, head: list[str], lines: list[str], w: list[str]) -> None:
    """Title (the first line), NCT id and dates; the NCT id line may also sit further down."""
    for i, line in enumerate(_items(head)):
        if m := _NCT_LINE.fullmatch(line):
            study.nct_id = m[1]
        elif m := _DATE_LINE.fullmatch(line):
            attr = "first_posted" if m[1].lower() == "first posted" else "last_update_posted"
            setattr(study, attr, enums.date(m[2], w))
        elif i == 0:
            study.brief_title = line
        else:
            w.append(f"unplaced line before the sections: {line[:80]!r}")
    if study.nct_id is None:
        study.nct_id = next((m[1] for x in lines if (m := _NCT_LINE.fullmatch(x.strip()))), None)


def _basic(study: Study, items: list[str], w: list[str]) -> None:
    values = _pairs(items, _BASIC, "basic information", w)
    study.status = enums.enum("status", values.get("status"), w)
    study.phases = enums.phases(values.get("phases"), w)
    study.study_type = enums.enum("study_type", values.get("study_type"), w)
    for attr in ("start_date", "primary_completion_date", "completion_date", "first_posted",
                 "last_update_posted"):  # fmt: skip
        if attr in values:
            setattr(study, attr, enums.date(values[attr], w))
    if raw := values.get("enrollment"):
        number = re.search(r"\d[\d,]*", raw)
        study.enrollment = int(number[0].replace(",", "")) if number else None
        if number is None:
            w.append(f"enrollment is not a number: {raw!r}")
        kind = re.search(r"\b(actual|estimated|anticipated)\b", raw, re.I)
        study.enrollment_type = enums.enum("enrollment_type", kind[1], w) if kind else None


def _eligibility(study: Study, body: list[str], w: list[str]) -> None:
    """Criteria text up to the first age/sex/volunteers label, then label/value pairs."""
    end = next((i for i, x in enumerate(body) if _header(x) in _CRITERIA_END), len(body))
    study.eligibility_criteria = "\n".join(body[:end]).strip() or None
    values = _pairs(_items(body[end:]), _ELIGIBILITY, "eligibility", w)
    study.minimum_age = values.get("minimum_age")
    study.maximum_age = values.get("maximum_age")
    study.sex = enums.enum("sex", values.get("sex"), w)
    healthy = values.get("healthy", "").lower()
    study.healthy_volunteers = {"yes": True, "no": False}.get(healthy)
    if healthy and study.healthy_volunteers is None:
        w.append(f"unknown healthy volunteers value {values['healthy']!r}")


