"""A website CSV row dumped as header-less lines (title, summary, conditions, ...) to a Study."""

from __future__ import annotations

import re
from collections.abc import Callable

from .. import enums
from ..enums import NCT
from ..model import SecondaryId, Sponsor, Study
from . import page_terse

# A cell of a dumped row means what the same cell of the website CSV means: one mapping for both.
from .ctgov_csv import TIMEY, ages, commas, design, interventions, location, outcome

__all__ = ["parse", "score"]

_unescape = page_terse.unescape  # markdown escapes ('\[68Ga\]') undone, as on the terse page

_NEG = -100.0  # a line that cannot be this column
# Columns of free short text (sponsor, acronym, ids, sites) score below a line of prose: a short
# line between prose lines stays in the prose.
_WEAK = 0.4
_UNKNOWN = -3.0  # a line no column takes: kept as a warning
# A dumped row has a line per cell, and its prose cells a few hundred more at most; cutting lines into
# cells costs time and memory per line (a text of a million short lines would take gigabytes).
_MAX_LINES = 2000
_URL = re.compile(r"https?://\S*clinicaltrials\.gov\S*", re.I)
_ISO = re.compile(r"\d{4}-\d{2}(?:-\d{2})?")
_DESIGN_ITEM = re.compile(
    r"(Allocation|Intervention Model|Observational Model|Time Perspective|Primary Purpose"
    r"|Masking): ?"
)
_AGE = re.compile(
    r"((CHILD|ADULT|OLDER_ADULT)(, )?)+|\d+ \w+ (to \d+ \w+|and older)( \(.*\))?|up to \d+ \w+.*"
)
_TIME_SPAN = re.compile(
    r"\b(\d+\s*(day|week|month|year|hour|minute)s?|(day|week|month|year|cycle|visit) \d+|baseline"
    r"|follow-?up|study completion|up to)\b",
    re.I,
)
_CLAUSE = re.compile(r"\b(will|was|were|is|are|be|been|has|have|had|can|may|should|would)\b", re.I)
_SMALL_WORD = re.compile(r"of|and|for|the|de|la|le|du|der|des|del|y|e|di|da|in|at|on|a|an|&|und|et")
_PERIOD_COMMA = re.compile(r"(?<!\.[A-Za-z])(?<!\betc)(?<!\bal)(?<!\bvs)(?<!\bNo)\., ")
_LIST_ITEM = re.compile(r"\s|([*•o-]|\d{1,2}[.)]|[a-z][.)]|[ivx]{1,4}[.)])\s")
_ENUM_KINDS = ("status", "phase", "sex", "agency_class", "study_type")


def _enum_line(kind: str, line: str) -> bool:
    return line.isupper() and " " not in line and enums.enum(kind, line) in enums.KNOWN[kind]


def _intervention(line: str) -> bool:
    """'DRUG: name' (or the classic 'Dietary Supplement: name') with a known v2 type."""
    kind, sep, name = line.partition(": ")
    return bool(sep and name.strip() and len(kind) <= 30) and (
        enums.enum("intervention_type", kind) in enums.KNOWN["intervention_type"]
    )


def _anchor(line: str) -> bool:
    """A line only a structured column has: an id, a date, a number, design items, age groups."""
    return bool(
        NCT.fullmatch(line) or _URL.fullmatch(line) or _ISO.fullmatch(line)
        or re.fullmatch(r"\d[\d,]*", line) or _DESIGN_ITEM.match(line) or _AGE.fullmatch(line)
    )  # fmt: skip


def _enum_word(line: str) -> bool:
    parts = line.split("|")
    return line.upper() in {"YES", "NO"} or any(
        all(_enum_line(kind, p) for p in parts) for kind in _ENUM_KINDS
    )


def _short(line: str, limit: int = 200) -> bool:
    return bool(line) and len(line) <= limit and not line.endswith(".") and not _anchor(line)


def _piped(line: str) -> bool:
    """Values joined by '|' (not a markdown table row)."""
    return "|" in line and not line.startswith("|")


def _joined(line: str) -> bool:
    """Pieces joined by ', ' after a sentence ('endpoints., 3 months'), not 'i.e., ' or 'etc., '."""
    return bool(_PERIOD_COMMA.search(line))


def _outcome_end(line: str) -> float:
    """A cell of outcomes ends in a time frame: a last ', ' piece that speaks of time and reads
    as no clause ('12 weeks', not '... will be set as p < 0.05'); or in a bare measure."""
    pieces = commas(line.split("|")[-1])
    tail = pieces[-1]
    if len(pieces) == 1:
        return -1.0 if tail.endswith(".") else -0.3
    timey = TIMEY if len(tail) <= 60 else _TIME_SPAN  # a long time frame names a span plainly
    plain = not tail.endswith(".") and not _CLAUSE.search(tail)
    return 2.0 if len(tail) <= 250 and timey.search(tail) and plain else -1.0


def _prose_line(line: str) -> float:
    """A line of a summary or description: any text, least of all joined values or a label."""
    if _anchor(line) or _enum_word(line):
        return -5.0
    return -0.5 if _piped(line) else 0.5


def _prose_start(line: str) -> float:
    """A summary or description rarely starts with a short label-like line or joined values."""
    short = len(line) <= 60 and not line.endswith((".", ":", ";", "!", "?"))
    return min(_prose_line(line), 0.2) if short or _joined(line) else _prose_line(line)


def _outcome_line(line: str) -> float:
    if _anchor(line) or _enum_word(line):
        return -5.0
    # Several outcomes joined by '|', each 'measure, description, time frame'.
    piped = _piped(line) and all(", " in item for item in line.split("|")[:-1])
    return 1.0 if piped else 0.8 if _joined(line) else 0.5


def _org(name: str) -> bool:
    """An organization's name: short, capitalized words but for small ones ('Trustees of
    Dartmouth College'); 'Click Therapeutics, Inc.' may end in a period."""
    name = name.strip()
    lower = [w for w in name.split() if w[:1].islower() and not _SMALL_WORD.fullmatch(w)]
    return _short(name.rstrip("."), 150) and len(name.split()) <= 12 and len(lower) < 2


def _ids(line: str) -> bool:
    """Study ids joined by '|': short tokens, numbers included."""
    return all(0 < len(p.strip()) <= 80 and not _ISO.fullmatch(p.strip()) for p in line.split("|"))


def _sites(line: str) -> bool:
    """Sites joined by '|', each 'Facility, City, State, Zip, Country' without its empty parts."""
    items = line.split("|")
    with_commas = sum(", " in p for p in items)  # a site may lack all but its facility
    return all(_short(p.strip(), 300) for p in items) and with_commas * 2 >= len(items)


def _conditions(line: str) -> float:
    """Short items joined by '|': the shorter, the likelier."""
    items = line.split("|")
    if not _items(line, 120) or _joined(line):
        return _NEG
    return (2.0 if all(len(i) <= 60 for i in items) else 1.0) + (len(items) > 1)


def _single(test: Callable[[str], bool], points: float) -> Callable[[str], float]:
    return lambda line: points if test(line) else _NEG


def _items(line: str, limit: int) -> bool:
    return all(_short(p.strip(), limit) for p in line.split("|"))


# Columns in the order of the website's CSV export (plus the detailed description the dumps
# append): name, start score of a line, continuation score (None: one line only), end bonus.
# Prose columns score a first line like any other, so a cell is never cut in two for profit.
Scorer = Callable[[str], float]
_COLUMNS: list[tuple[str, Scorer, Scorer | None, Scorer | None]] = [
    ("NCT Number", _single(lambda ln: bool(NCT.fullmatch(ln)), 10), None, None),
    # The first line, a title unless the dump lacks that column.
    ("Study Title", _single(lambda ln: len(ln) <= 300 and not _anchor(ln), 4), None, None),
    ("Study URL", _single(lambda ln: bool(_URL.fullmatch(ln)), 10), None, None),
    ("Acronym", _single(lambda ln: _short(ln, 30) and len(ln.split()) <= 3, _WEAK), None, None),
    ("Study Status", _single(lambda ln: _enum_line("status", ln), 10), None, None),
    ("Brief Summary", _prose_start, _prose_line, None),
    ("Study Results", _single(lambda ln: ln.upper() in {"YES", "NO"}, 10), None, None),
    ("Conditions", _conditions, None, None),
    ("Interventions", _single(_intervention, 6), None, None),
    # Starting an outcome cell earns no more than continuing one: cells split only at time frames.
    ("Primary Outcome Measures", _outcome_line, _outcome_line, _outcome_end),
    ("Secondary Outcome Measures", _outcome_line, _outcome_line, _outcome_end),
    ("Other Outcome Measures", _outcome_line, _outcome_line, _outcome_end),
    ("Sponsor", _single(lambda ln: _org(ln) and "|" not in ln, _WEAK), None, None),
    ("Collaborators", _single(lambda ln: all(_org(p) for p in ln.split("|")), _WEAK), None, None),
    ("Sex", _single(lambda ln: _enum_line("sex", ln), 10), None, None),
    ("Age", _single(lambda ln: bool(_AGE.fullmatch(ln)), 10), None, None),
    ("Phases", _single(lambda ln: all(_enum_line("phase", p) for p in ln.split("|")), 10),
     None, None),
    ("Enrollment", _single(lambda ln: bool(re.fullmatch(r"\d[\d,]*", ln)), 8), None, None),
    ("Funder Type", _single(lambda ln: _enum_line("agency_class", ln), 8), None, None),
    ("Study Type", _single(lambda ln: _enum_line("study_type", ln), 10), None, None),
    ("Study Design", _single(lambda ln: bool(_DESIGN_ITEM.match(ln)), 10), None, None),
    ("Other IDs", _single(_ids, _WEAK), None, None),
    ("Dates", _single(lambda ln: bool(_ISO.fullmatch(ln)), 8),
     lambda ln: 8.0 if _ISO.fullmatch(ln) else _NEG, None),
    ("Locations", _single(_sites, 1.0), None, None),
    ("Study Documents", _single(lambda ln: "http" in ln and ", " in ln, 5), None, None),
    ("Detailed Description", _prose_start, _prose_line, None),
]  # fmt: skip
_INDEX = {name: i for i, (name, *_) in enumerate(_COLUMNS)}


def _transitions() -> list[list[float]]:
    """Cost of a cell in column c after one in column p (index len(_COLUMNS): the start or the
    end of the dump). Columns of free short text are believed only among the structured columns
    they sit between in the export: a sponsor before some of them, other ids and sites after."""
    m = len(_COLUMNS)
    cost = [[0.0] * (m + 1) for _ in range(m + 1)]
    structured = range(_INDEX["Sex"], _INDEX["Dates"] + 1)
    sponsors = (_INDEX["Sponsor"], _INDEX["Collaborators"])
    for p in range(m + 1):
        for c in range(m + 1):
            if p in sponsors and c >= _INDEX["Detailed Description"]:
                cost[p][c] -= 2.0  # nothing structured after the sponsor: no sponsor
            if p <= _INDEX["Interventions"] and c == _INDEX["Detailed Description"]:
                cost[p][c] -= 0.8  # a trial without any outcome is rare: prefer reading one
            if c == _INDEX["Collaborators"] and p != _INDEX["Sponsor"]:
                cost[p][c] -= 2.0
            if c == _INDEX["Other IDs"] and p not in structured:
                cost[p][c] -= 2.0
            if c == _INDEX["Locations"] and p not in structured and p != _INDEX["Other IDs"]:
                cost[p][c] -= 2.0
    return cost


_TRANSITION = _transitions()
_BEFORE = [[len(_COLUMNS), *range(c)] for c in range(len(_COLUMNS))]
_COSTLY = frozenset(c for c in range(len(_COLUMNS)) if any(row[c] for row in _TRANSITION))


def _segment(lines: list[str]) -> tuple[dict[str, str], list[str]]:
    """Cut the non-blank lines into cells, at most one per column and in export order, by the
    best total score (dynamic programming over lines x columns); blank lines stay inside cells.
    Returns the cells and the lines no column takes."""
    idx = [i for i, ln in enumerate(lines) if ln.strip()]
    text = [lines[i].strip() for i in idx]
    n, m = len(text), len(_COLUMNS)
    if not n:
        return {}, []
    # Registry text breaks paragraphs with a blank line and list items with a single one, so a
    # plain line after a single line break starts a new cell and a glued line continues one.
    glued = [0.0] + [5.0 if idx[k] - idx[k - 1] > 1 else 1.5 if _LIST_ITEM.match(lines[idx[k]])
                     else 0.0 for k in range(1, n)]  # fmt: skip
    start, cont, end = [], [], []
    prose = {_INDEX["Brief Summary"], _INDEX["Detailed Description"]}
    for t, g in zip(text, glued, strict=True):
        memo: dict[Scorer, float] = {}  # columns share scorers: each runs once per line

        def once(f: Scorer, t: str = t, memo: dict[Scorer, float] = memo) -> float:
            if f not in memo:
                memo[f] = f(t)
            return memo[f]

        # Earlier columns win ties: a single outcome cell is the primary one.
        start.append([once(s) - 0.001 * c - g for c, (_, s, _, _) in enumerate(_COLUMNS)])
        # Older records (v1, legacy XML) break lines inside prose too: a summary or description
        # continues at a lower price than an outcome cell does.
        cont.append([once(k) + (1.0 if g else -1.0 if c in prose else -2.5) if k else _NEG
                     for c, (_, _, k, _) in enumerate(_COLUMNS)])  # fmt: skip
        # A cell of outcomes over several lines has descriptions, so it ends with a time frame.
        end.append([(min(once(e), -1.5) if g and once(e) < 0 else once(e)) if e else 0.0
                    for (_, _, _, e) in _COLUMNS] + [0.0])  # fmt: skip
    # State (c, o) after a line: c the column of the last cell (m: none yet); o = 1 while the line
    # belongs to that cell, 0 after a line no column takes.
    neg = float("-inf")
    value = [[neg, neg] for _ in range(m + 1)]
    value[m][0] = 0.0
    back: list[list[list[tuple[int, int]]]] = []
    for k in range(n):
        # The best way to have closed the cell of column c before line k, and from which o.
        closed = [(value[c][0], 0) for c in range(m + 1)]
        for c in range(m + 1):
            if k and value[c][1] + end[k - 1][c] > closed[c][0]:
                closed[c] = (value[c][1] + end[k - 1][c], 1)
        new = [[neg, neg] for _ in range(m + 1)]
        ptr = [[(m, 0), (m, 0)] for _ in range(m + 1)]
        run, top = closed[m][0], m  # the best closed cell before c, when no transition costs
        for c in range(m):
            arg = top
            if c in _COSTLY:
                arg = max(_BEFORE[c], key=lambda p: closed[p][0] + _TRANSITION[p][c])
            best = closed[arg][0] + _TRANSITION[arg][c] + start[k][c]
            if closed[c][0] > run:
                run, top = closed[c][0], c
            if best > new[c][1]:
                new[c][1], ptr[c][1] = best, (arg, closed[arg][1])
            if value[c][1] + cont[k][c] > new[c][1]:
                new[c][1], ptr[c][1] = value[c][1] + cont[k][c], (c, 1)
        for c in range(m + 1):
            new[c][0], ptr[c][0] = closed[c][0] + _UNKNOWN, (c, closed[c][1])
        value = new
        back.append(ptr)
    finals = [(value[c][0] + _TRANSITION[c][m], c, 0) for c in range(m + 1)]
    finals += [(value[c][1] + end[n - 1][c] + _TRANSITION[c][m], c, 1) for c in range(m)]
    _, c, o = max(finals, key=lambda f: f[0])
    cells: dict[str, list[int]] = {}
    unknown: list[str] = []
    for k in range(n - 1, -1, -1):
        if o:
            cells.setdefault(_COLUMNS[c][0], []).insert(0, idx[k])
        else:
            unknown.insert(0, text[k])
        c, o = back[k][c][o]
    joined = {name: "\n".join(lines[ks[0] : ks[-1] + 1]).strip() for name, ks in cells.items()}
    return joined, unknown


def _split(cell: str | None) -> list[str]:
    return [p.strip() for p in (cell or "").split("|") if p.strip()]


def parse(text: str) -> Study:
    """Map one dumped row to a Study; lines no column takes land in ``warnings``."""
    lines = text.replace("\r\n", "\n").split("\n")
    if (count := sum(1 for ln in lines if ln.strip())) > _MAX_LINES:
        raise ValueError(f"{count} lines: more than a dumped row has (at most {_MAX_LINES})")
    cells, unknown = _segment(lines)
    w = [f"unrecognized line {ln[:80]!r}" for ln in unknown]

    def cell(name: str) -> str | None:
        return _unescape(cells[name]) if name in cells else None

    study = Study(
        nct_id=cells.get("NCT Number"),
        brief_title=cell("Study Title"),
        acronym=cell("Acronym"),
        status=enums.enum("status", cells.get("Study Status"), w),
        brief_summary=cell("Brief Summary"),
        has_results={"YES": True, "NO": False}.get(cells.get("Study Results", "").upper()),
        conditions=[_unescape(c) for c in _split(cells.get("Conditions"))],
        sex=enums.enum("sex", cells.get("Sex"), w),
        phases=enums.phases(cells.get("Phases"), w),
        study_type=enums.enum("study_type", cells.get("Study Type"), w),
        detailed_description=cell("Detailed Description"),
        warnings=w,
    )
    if "Enrollment" in cells:
        study.enrollment = int(cells["Enrollment"].replace(",", ""))
    study.minimum_age, study.maximum_age = ages(cells.get("Age"), w)
    design(study, cells.get("Study Design"), w)
    if "Interventions" in cells:
        interventions(study, cells["Interventions"], w)
        for i in study.interventions:
            i.name = _unescape(i.name)
    for name, kind in (("Primary", "primary"), ("Secondary", "secondary"), ("Other", "other")):
        for part in _split(cells.get(f"{name} Outcome Measures")):
            study.outcomes.append(outcome(kind, _unescape(part)))
    _people(study, cells, w)
    _dates(study, cells.get("Dates", "").split(), w)
    study.locations = [location(p) for p in _split(cells.get("Locations"))]
    if "Study Documents" in cells:
        w.append("study documents column has no Study field")
    return study


def _people(study: Study, cells: dict[str, str], w: list[str]) -> None:
    if "Sponsor" in cells:
        funder = enums.enum("agency_class", cells.get("Funder Type"), w)
        study.sponsors.append(Sponsor(cells["Sponsor"], "lead", funder))
    study.sponsors += [Sponsor(n, "collaborator") for n in _split(cells.get("Collaborators"))]
    ids = _split(cells.get("Other IDs"))
    study.org_study_id = ids[0] if ids else None
    study.secondary_ids = [SecondaryId(i) for i in ids[1:]]


# Which date columns a run of n ISO dates fills: every record has its posting dates and nearly
# every one a start date; a primary completion date is the one most often missing.
_BY_COUNT = {len(f.split()): tuple(f.split()) for f in (
    "start_date", "first_posted last_update_posted", "start_date first_posted last_update_posted",
    "start_date completion_date first_posted last_update_posted",
    "start_date primary_completion_date completion_date first_posted last_update_posted",
    "start_date primary_completion_date completion_date first_posted results_first_posted "
    "last_update_posted",
)}  # fmt: skip


def _dates(study: Study, dates: list[str], w: list[str]) -> None:
    if not dates:
        return
    if len(dates) not in _BY_COUNT:
        w.append(f"{len(dates)} dates in a row: not assigned")
        return
    if len(dates) < 5:
        w.append(f"{len(dates)} of 6 date columns: assigned by the usual gaps")
    for field, value in zip(_BY_COUNT[len(dates)], dates, strict=True):
        if field == "results_first_posted":
            w.append(f"results first posted {value} has no Study field")
        else:
            setattr(study, field, enums.date(value, w))


def score(text: str) -> float:
    """How strongly ``text`` looks like a row dump: 'TYPE: name' interventions, outcome cells
    ending in a time frame and structured cells in export order; label/value lines, 'Time frame:'
    lines and lines no column takes pull it down."""
    lines = text.replace("\r\n", "\n").split("\n")
    if not 3 <= sum(1 for ln in lines if ln.strip()) <= _MAX_LINES:
        return 0.0
    cells, unknown = _segment(lines)
    timed = [n for n in cells if n.endswith("Outcome Measures") and _ends_in_time(cells[n])]
    structured = [n for n in cells if n in _STRUCTURED]
    if "Interventions" not in cells and not timed and len(structured) < 3:
        return 0.0  # prose cut into lines fits the columns too: it takes more than that
    # Each piece of evidence removes part of the doubt left by the others.
    doubt = (0.5 if "Interventions" in cells else 1.0) * 0.7 ** len(timed) * 0.8 ** len(structured)
    doubt *= 0.85 if "Study Title" in cells and "Brief Summary" in cells else 1.0
    doubt *= 0.9 if "Conditions" in cells else 1.0
    # What looks like a terse page (label and value lines, 'Time frame:' lines) is none, nor what
    # has the section headers of a long page on lines of their own.
    headers = sum(1 for ln in lines if page_terse.LONG_HEADERS.fullmatch(ln.strip()))
    odd = 1 + len(unknown) + headers + _wrapped(lines)
    return round((1.0 - doubt) * (1.0 - page_terse.score(text)) / odd, 3)


def _wrapped(lines: list[str]) -> int:
    """Lines that go on with a sentence cut at a single line break: hard-wrapped text (a note,
    a README), which registry text and the cells of a row never are."""
    count = 0
    for before, row in zip(lines, lines[1:], strict=False):
        cut = len(before) >= 50 and not before.rstrip().endswith((".", ":", ";", "!", "?"))
        # (after a time frame, the next cell of outcomes may start with a word in lower case)
        words = re.match(r"[a-z]+[ ,]", row) and not _LIST_ITEM.match(row)
        count += bool(cut and words and _outcome_end(before) <= 0)
    return count


def _ends_in_time(cell: str) -> bool:
    return _outcome_end(cell.split("\n")[-1]) > 0


_STRUCTURED = frozenset((
    "NCT Number", "Study URL", "Study Status", "Study Results", "Sex", "Age", "Phases",
    "Enrollment", "Funder Type", "Study Type", "Study Design", "Dates",
))  # fmt: skip
