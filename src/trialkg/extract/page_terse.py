"""Terse trial pages as text (summary, label/value design lines, sites, outcomes) to a Study."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from .. import enums
from ..enums import NCT
from ..model import Location, Outcome, Study

# Country names that carry a comma ('Korea, Republic of'), as the CSV mapping knows them.
from .ctgov_csv import COUNTRY_TAIL

__all__ = ["LONG_HEADERS", "parse", "score", "unescape"]

# Labels a terse page may carry, lower-cased, to (Study field, kind of value). Any v2 design or
# status item has a place here, in the short form and in the longer wording of other sites.
_FIELDS: dict[str, tuple[str, str]] = {}
for _field, _kind, _names in (
    ("nct_id", "nct", "nct id|nct number|nct|clinicaltrials.gov id|clinicaltrials.gov identifier"),
    ("brief_title", "text", "title|brief title|study title"),
    ("official_title", "text", "official title"),
    ("acronym", "text", "acronym"),
    ("org_study_id", "text", "org study id|organization study id|study id"),
    ("status", "status", "status|overall status|recruitment status|study status"),
    ("why_stopped", "text", "why stopped"),
    ("study_type", "study_type", "study type|study classification|type of study"),
    ("phases", "phases", "phase|phases|clinical phase|study phase"),
    ("allocation", "allocation", "allocation|allocation method"),
    ("intervention_model", "intervention_model", "intervention model|intervention model type"),
    ("observational_model", "observational_model", "observational model|observational model type"),
    ("time_perspective", "time_perspective", "time perspective|study time perspective"),
    ("primary_purpose", "primary_purpose", "purpose|primary purpose|primary study purpose"),
    ("masking", "masking", "masking|blinding|blinding strategy|masking (blinding)"),
    ("enrollment", "count", "enrollment|total enrollment|enrollment count|target enrollment"),
    ("enrollment_type", "enrollment_type", "enrollment type"),
    ("start_date", "date", "start date|study start date|study start"),
    ("primary_completion_date", "date", "primary completion date|primary completion"),
    ("completion_date", "date", "completion date|study completion date|study completion"),
    ("first_posted", "date", "first posted|study first posted|first posted date"),
    ("last_update_posted", "date", "last update posted|last updated|last update"),
    ("sex", "sex", "sex|gender|eligible sex|sexes eligible|sex/gender"),
    ("minimum_age", "age", "minimum age|minimum eligible age|min age"),
    ("maximum_age", "age", "maximum age|maximum eligible age|max age"),
    ("healthy_volunteers", "bool", "healthy volunteers|accepts healthy volunteers"),
):
    _FIELDS.update(dict.fromkeys(_names.split("|"), (_field, _kind)))
# 'Actual Enrollment' / 'Estimated Enrollment' name the enrollment type in the label.
_FIELDS["actual enrollment"] = _FIELDS["estimated enrollment"] = ("enrollment", "count")

_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~=^])")
_TIME_FRAME = re.compile(r"time\s*frame\s*[:\-–]\s*(.*)", re.I)
_KIND_HEADER = re.compile(
    r"(primary|secondary|other(?: pre-?specified)?)\s+outcome(?:\s+measure)?s?\s*:?", re.I
)
# A last line telling the reader the page is no medical advice (any site's wording).
_DISCLAIMER = re.compile(
    r"informational purposes|medical advice|not (?:a substitute|intended to replace)"
    r"|consult (?:a|your) (?:qualified )?(?:health ?care|doctor|physician|medical)",
    re.I,
)
_LABEL_LIKE = re.compile(r"[A-Z][A-Za-z'()/&-]*(?: [A-Za-z'()/&-]+){0,4}:?")  # 'Funding Source'

_ENUM_LIKE = re.compile(r"[A-Z][A-Z0-9_]*(?:\s*[|,/]\s*[A-Z][A-Z0-9_]*)*")
_COUNTRY = re.compile(r"[A-Z][^\d:;]{1,50}")
# Words of facility names, never of a country and rarely of a city: 'Clinic X, Onkologkliniken' is
# a facility even though it has the shape of an address.
_FACILITY_WORD = re.compile(
    r"hosp|h[oô]pital|univ|clini|klini|cl[ií]nic|\bcent(er|re|ro|rum)\b|institu|research|medic"
    r"|health|\bltd|\binc\b|llc|gmbh|\bdep(ar)?t|foundation|college|school|pharma|\bsite\b|trial"
    r"|laborator|\bunit\b|office|practice|\d",
    re.I,
)
_PLACE = re.compile(r"[^\s,][^,]{0,60}")


def unescape(text: str) -> str:
    return _ESCAPE.sub(r"\1", text)


def _lines(text: str) -> list[str]:
    lines = [unescape(line.strip()) for line in text.splitlines()]
    lines = [line for line in lines if line]
    while lines and _DISCLAIMER.search(lines[-1]) and not _TIME_FRAME.match(lines[-1]):
        lines.pop()
    return lines


def _label(line: str) -> tuple[str, str] | None:
    return _FIELDS.get(" ".join(line.rstrip(":").split()).lower())


def _valid(kind: str, value: str) -> bool:
    """Whether a value line fits the label's kind: keeps prose after a lookalike line unread."""
    if kind in enums.KNOWN:
        return enums.enum(kind, value) in enums.KNOWN[kind] or bool(_ENUM_LIKE.fullmatch(value))
    checks: dict[str, Callable[[str], bool]] = {
        "nct": lambda v: bool(NCT.search(v)),
        "phases": lambda v: bool(enums.phases(v)) and all(
            p in enums.KNOWN["phase"] for p in enums.phases(v)
        ),
        "count": lambda v: bool(re.match(r"\d[\d,]*\b", v)),
        "date": lambda v: enums.date(v) is not None,
        "age": lambda v: bool(re.match(r"(\d+\s+\w+|N/?A|none)\b", v, re.I)),
        "bool": lambda v: v.lower() in {"yes", "no", "true", "false"},
    }
    return checks[kind](value) if kind in checks else len(value) <= 500


def _value_like(value: str) -> bool:
    return bool(
        _ENUM_LIKE.fullmatch(value) or re.fullmatch(r"\d[\d,]*(?: \w+)?", value)
        or enums.date(value) is not None or value.lower() in {"yes", "no"}
    )  # fmt: skip


def _pairs(lines: list[str]) -> dict[int, tuple[str, str, str]]:
    """Label/value pairs by line index: known labels with a fitting value anywhere, unknown
    label-like lines with an enum-like value only next to known ones."""
    found: dict[int, tuple[str, str, str]] = {}
    i = 0
    while i < len(lines):
        line = lines[i]
        label = _label(line)
        head, sep, rest = line.partition(":")
        if label and i + 1 < len(lines) and _valid(label[1], lines[i + 1]):
            found[i] = (line.rstrip(":"), lines[i + 1], "pair")
            i += 2
            continue
        if sep and (inline := _label(head)) and rest.strip() and _valid(inline[1], rest.strip()):
            found[i] = (head, rest.strip(), "inline")
            i += 1
            continue
        i += 1
    # Unknown labels, in the run of pairs only: 'Funding Source' then 'INDUSTRY'.
    taken = _taken(found)

    def unknown(j: int) -> bool:
        """Whether lines j and j + 1 are free and an unknown label with its value: then they are one."""
        free = j >= 0 and j + 1 < len(lines) and not ({j, j + 1} & taken)
        looks = free and _LABEL_LIKE.fullmatch(lines[j]) and not lines[j].isupper()
        if looks and _value_like(lines[j + 1]) and not (
            _TIME_FRAME.match(lines[j]) or _KIND_HEADER.fullmatch(lines[j])
        ):
            found[j] = (lines[j].rstrip(":"), lines[j + 1], "unknown")
            taken.update((j, j + 1))
            return True
        return False

    # Known pairs take the pair above and the one below; an unknown pair found so takes the pairs
    # above it in turn (it looks past its own value line only), each once: a run is read in one pass.
    fresh = [j for i in sorted(found) for j in (i - 2, i + (2 if found[i][2] == "pair" else 1)) if unknown(j)]
    for j in fresh:
        while unknown(j - 2):
            j -= 2
    return found


def _taken(found: dict[int, tuple[str, str, str]]) -> set[int]:
    return {i + k for i, (_, _, how) in found.items() for k in range(1 if how == "inline" else 2)}


def _set(study: Study, label: str, value: str, w: list[str]) -> None:
    key = _label(label)
    if key is None:
        w.append(f"unknown page label {label!r} with value {value!r}")
        return
    field, kind = key
    if kind in enums.KNOWN:
        setattr(study, field, enums.enum(kind, value, w))
    elif kind == "phases":
        study.phases = enums.phases(value, w)
    elif kind == "date":
        setattr(study, field, enums.date(value, w))
    elif kind == "count":
        digits = re.match(r"\d[\d,]*", value)
        study.enrollment = int(digits[0].replace(",", "")) if digits else None
        for word in ("actual", "estimated", "anticipated"):
            if word in (label + " " + value).lower():
                study.enrollment_type = enums.enum("enrollment_type", word, w)
    elif kind == "nct":
        study.nct_id = NCT.search(value)[0]  # type: ignore[index]
    elif kind == "age":
        setattr(study, field, None if re.fullmatch(r"N/?A|none", value, re.I) else value)
    elif kind == "bool":
        study.healthy_volunteers = value.lower() in {"yes", "true"}
    else:
        setattr(study, field, value)


def _address(line: str) -> list[str] | None:
    """'City, Country', 'City, State, Country' or 'City, , Country' split in parts, else None."""
    parts = [p.strip() for p in line.split(",")]
    if len(parts) > 2 and COUNTRY_TAIL.search(parts[-1]):
        parts[-2:] = [", ".join(parts[-2:])]
    if not 2 <= len(parts) <= 5 or len(line) > 160 or line.endswith("."):
        return None
    country, city, middle = parts[-1], parts[0], parts[1:-1]
    country_ok = _COUNTRY.fullmatch(country.split(",")[0]) and not re.search(r"\d", country)
    if _FACILITY_WORD.search(country):
        return None
    if country_ok and _PLACE.fullmatch(city) and all(not m or _PLACE.fullmatch(m) for m in middle):
        return parts
    return None


def _location(facility: str | None, parts: list[str]) -> Location:
    # 'City, State, Country'; with more parts the city holds the extra commas ('Tokyo, Chuo-ku').
    city = ", ".join(p for p in parts[:-2] if p) if len(parts) > 2 else parts[0]
    state = parts[-2] if len(parts) > 2 else None
    return Location(facility=facility, city=city or None, state=state or None, country=parts[-1])


def _paired(lines: list[str], parts: list[list[str]]) -> bool:
    """Whether lines that all have an address's shape are facility and address pairs after all
    ('Psychiatric Consultants, PC' then 'Franklin, Tennessee, United States'): each would-be
    facility has a facility word or a would-be country that ends no other line."""
    countries = Counter(p[-1] for p in parts)
    return len(lines) % 2 == 0 and all(
        _FACILITY_WORD.search(lines[i])
        or (countries[parts[i][-1]] == 1 and parts[i][-1] != parts[i + 1][-1])
        for i in range(0, len(lines), 2)
    )


def _site_run(lines: list[str], partial: bool = False) -> tuple[list[Location], int] | None:
    """``lines`` read as sites: all of them, or with ``partial`` as many as there are on top;
    returns the sites and the number of lines used. A page lists each site as its facility then
    its address, or (older records) as an address alone."""
    addresses = [_address(ln) for ln in lines]
    end = next((i for i, a in enumerate(addresses) if a is None), len(lines))
    if end < len(lines) and (not partial or (end + 1 < len(lines) and addresses[end + 1])):
        end = 0  # a line that is no address before an address: a facility, so pairs throughout
    if end:  # a run of addresses alone, unless they pair up as facilities and addresses
        parts = [a for a in addresses[:end] if a]
        if not _paired(lines[:end], parts):
            return [_location(None, a) for a in parts], end
    # Countries of certain addresses (after a line that is none): a line ending in one of them is
    # a site without facility ('Gilbert, Arizona, United States'), not a facility.
    known = {a[-1] for a, b in zip(addresses[1:], addresses, strict=False) if a and b is None}
    sites: list[Location] = []
    i = 0
    while i < len(lines):
        after = addresses[i + 1] if i + 1 < len(lines) else None
        this = addresses[i]
        # ``own``: the line is a site of its own, an address with a country the page has.
        own = this is not None and (this[-1] in known or this[-1] == (after or [""])[-1])
        if after and (not own or _FACILITY_WORD.search(lines[i])):
            sites.append(_location(lines[i], after))
            i += 2
        elif this:
            sites.append(_location(None, this))
            i += 1
        elif partial:
            break
        else:
            return None
    return sites, i


def _sites(rest: list[str], stop: int) -> tuple[list[Location], int]:
    """Sites from the top of ``rest``; the first outcome (a measure, maybe a description) takes
    the last one or two lines before the first 'Time frame:' line at ``stop``."""
    if stop < len(rest):
        # A measure with its description, unless the would-be measure is one more address.
        parts = [a for a in map(_address, rest[:stop]) if a]
        last = _address(rest[stop - 2]) if stop >= 2 else None
        shared = last is not None and sum(a[-1] == last[-1] for a in parts) > 1
        for keep in (1, 2) if shared else (2, 1):
            if stop >= keep and (run := _site_run(rest[: stop - keep])) is not None:
                return run
    return _site_run(rest[:stop], partial=True) or ([], 0)


def _headers(lines: list[str]) -> set[int]:
    """Lines heading the outcomes of one kind ('Secondary Outcomes'). A singular one followed by
    a single line before its time frame is taken for a measure of that name."""
    out = set()
    ahead: int | None = None  # the first 'Time frame:' line below line i (read from the bottom up)
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if _KIND_HEADER.fullmatch(line) and (
            line.rstrip(":").lower().endswith("s") or ahead is None or ahead - i > 2
        ):
            out.add(i)
        if _TIME_FRAME.fullmatch(line):
            ahead = i
    return out


def _outcomes(lines: list[str], w: list[str]) -> list[Outcome]:
    """Blocks closed by 'Time frame:' lines: measure, then description lines. Without any time
    frame on the page, each line is a measure of its own."""
    out: list[Outcome] = []
    kind, block = "unspecified", list[str]()
    timed = any(_TIME_FRAME.fullmatch(line) for line in lines)
    headers = _headers(lines)
    for i, line in enumerate([*lines, ""]):
        tf = _TIME_FRAME.fullmatch(line)
        if block and (tf or i in headers or i == len(lines)):
            measure, *desc = block
            time_frame = (tf.group(1).strip() or None) if tf else None
            out.append(Outcome(kind, measure, " ".join(desc) or None, time_frame))
            block = []
        elif tf:
            w.append(f"time frame without a measure {line!r}")
        if i in headers:
            kind = line.split()[0].lower()
        elif not timed and i < len(lines):
            out.append(Outcome(kind, line))
        elif not tf and i < len(lines):
            block.append(line)
    return out


def _prose(line: str) -> bool:
    return len(line) > 300 or (len(line.split()) >= 12 and line.endswith((".", ")", ":")))


def _first_frame(lines: list[str]) -> int:
    return next((i for i, ln in enumerate(lines) if _TIME_FRAME.fullmatch(ln)), len(lines))


def _summary_end(rest: list[str], stop: int) -> int:
    """The end of a summary before the first site or outcome (pages without design lines)."""
    site = next((i for i in range(len(rest) - 1) if _address(rest[i + 1])), None)
    if site is not None and site < stop:
        return site
    if stop == len(rest):  # no outcome either: all of it is summary
        return stop
    # The first outcome is a measure and maybe a description: a short line after prose is the
    # measure alone, and the prose is summary.
    n = max(0, stop - 2)
    if stop >= 2 and _prose(rest[stop - 2]) and not _prose(rest[stop - 1]):
        n = stop - 1
    return n


def parse(text: str) -> Study:
    """Map one terse page to a Study; unknown label/value pairs land in ``warnings``."""
    w: list[str] = []
    study = Study(nct_id=None, warnings=w)
    lines = _lines(text)
    found = _pairs(lines)
    taken = _taken(found)
    for label, value, _ in (found[i] for i in sorted(found)):
        _set(study, label, value, w)
    # Without design lines, the summary is what precedes the first site or outcome.
    first = min(found) if found else _summary_end(lines, _first_frame(lines))
    head = lines[:first]
    rest = [ln for i, ln in enumerate(lines) if i >= first and i not in taken]
    stop = _first_frame(rest)
    study.brief_summary = "\n\n".join(head) or None
    study.locations, used = _sites(rest, stop)
    # Between the sites and the first 'Time frame:' line: its measure and description only.
    extra = rest[used:stop][:-2] if stop < len(rest) else []
    w += [f"unrecognized line {ln[:80]!r}" for ln in extra]
    study.outcomes = _outcomes(rest[used + len(extra) :], w)
    return study


def score(text: str) -> float:
    """How strongly ``text`` looks like a terse page: label/value pairs, 'Time frame:' lines and
    sites; section headers of the long page or a row dump's shapes pull it down."""
    lines = _lines(text)
    if len(lines) < 3:
        return 0.0
    found = _pairs(lines)
    known = sum(1 for _, _, how in found.values() if how != "unknown")
    frames = sum(1 for ln in lines if _TIME_FRAME.fullmatch(ln))
    addresses = [bool(_address(ln)) for ln in lines]
    sites = sum(1 for a, b in zip(addresses, addresses[1:], strict=False) if b and not a)
    if not known + frames:
        return 0.0
    # Each piece of evidence removes part of the doubt left by the others.
    closing = 0.85 if _DISCLAIMER.search(text.strip().splitlines()[-1]) else 1.0
    raw = 1.0 - 0.7**known * 0.8**frames * 0.9 ** min(sites, 3) * closing
    headers = sum(1 for ln in lines if LONG_HEADERS.fullmatch(ln) or ln.startswith("NCT ID:"))
    dump = sum(1 for ln in lines if _DUMP_ITEM.match(ln))
    # Values without their label ('MALE', '2005-09-15' on lines of their own): a row dump's cells.
    orphans = sum(1 for i, ln in enumerate(lines) if _ORPHAN.fullmatch(ln) and i - 1 not in found)
    return round(min(1.0, raw) / (1 + headers + dump + orphans), 3)


# Section headers of the long page layout and the row dump's 'TYPE: name' interventions.
LONG_HEADERS = re.compile(
    r"brief summary|detailed description|conditions|study design|study groups|interventions"
    r"|eligibility criteria|sponsors|responsible party|principal investigators|locations|countries"
    r"|central contacts|facility contacts|references|other identifiers|more related trials"
    r"|basic information|study results",
    re.I,
)
_VALUES = [v for k in ("status", "study_type", "sex", "phase") for v in sorted(enums.KNOWN[k])]
_ORPHAN = re.compile("|".join([v for v in _VALUES if v != "NA"] + [r"\d{4}-\d\d-\d\d|" + NCT.pattern]))
_DUMP_ITEM = re.compile(rf"({'|'.join(sorted(enums.KNOWN['intervention_type']))}): \S")
