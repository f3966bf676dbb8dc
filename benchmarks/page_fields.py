"""Trial pages as text: render real records in each page layout, parse them back, score each field.

Per field, precision is the share of the facts the parser extracted that are right, and recall the
share of the record's facts it recovered (micro-averaged over records). A field a layout does not
show is marked '—'. Add a layout to LAYOUTS (and the fields it shows to SHOWN) for another column.
Run: python benchmarks/page_fields.py [--shared DIR] [--per-source N] .
"""

from __future__ import annotations

import argparse
import math
import random
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from pages import (  # noqa: E402
    FIELDS,
    LONG_BLURBS,
    LONG_FIELDS,
    facts,
    real_studies,
    render_long,
    render_rowdump,
    render_terse,
)
from trialkg.extract import page_long, page_rowdump, page_terse  # noqa: E402
from trialkg.model import Study  # noqa: E402

_SECTION = re.compile("\n\n(?=(?:Study Results|" + "|".join(map(re.escape, LONG_BLURBS)) + ")\n)")


def _bare(study: Study) -> str:
    """A long page without the one-line section descriptions."""
    page = render_long(study)
    for blurb in LONG_BLURBS.values():
        page = page.replace("\n\n" + blurb, "")
    return page


def _shuffled(study: Study) -> str:
    """A long page with its sections in a random order (seeded by the NCT id)."""
    head, *sections = _SECTION.split(render_long(study))
    random.Random(study.nct_id).shuffle(sections)
    return "\n\n".join([head, *sections])


LAYOUTS: dict[str, tuple[Callable[[Study], str], Callable[[str], Study]]] = {
    "long": (render_long, page_long.parse),
    "long+extras": (lambda s: render_long(s, extras=True), page_long.parse),
    "long, no blurbs": (_bare, page_long.parse),
    "long, shuffled": (_shuffled, page_long.parse),
    "terse": (render_terse, page_terse.parse),
    "terse+extras": (lambda s: render_terse(s, extras=True), page_terse.parse),
    "rowdump": (render_rowdump, page_rowdump.parse),
    "rowdump+extras": (lambda s: render_rowdump(s, extras=True), page_rowdump.parse),
}
# The terse page shows sites without their status and outcomes without their kind, the row dump
# sites and ids in a form 'facts' does not compare (no site status, no id types): left out here,
# their agreement is in tests/test_page_terse.py and tests/test_page_rowdump.py.
_TERSE = frozenset(("brief_summary", "study_type", "allocation", "primary_purpose", "masking",
                    "enrollment"))  # fmt: skip
_TERSE_EXTRAS = _TERSE | {
    "nct_id", "status", "phases", "intervention_model", "observational_model", "time_perspective",
    "start_date", "primary_completion_date", "completion_date", "sex", "minimum_age", "maximum_age",
    "healthy_volunteers",
}  # fmt: skip
_ROWDUMP = frozenset(("brief_title", "brief_summary", "detailed_description", "conditions",
                      "interventions", "outcomes"))  # fmt: skip
_ROWDUMP_EXTRAS = _ROWDUMP | {
    "nct_id", "status", "has_results", "phases", "enrollment", "study_type", "allocation",
    "intervention_model", "observational_model", "time_perspective", "primary_purpose", "masking",
    "start_date", "primary_completion_date", "completion_date", "last_update_posted", "sex",
    "org_study_id",
}  # fmt: skip
# The fields each layout's pages show; a layout missing here shows every field.
SHOWN: dict[str, frozenset[str]] = {
    "long": LONG_FIELDS, "long, no blurbs": LONG_FIELDS, "long, shuffled": LONG_FIELDS,
    "terse": _TERSE, "terse+extras": _TERSE_EXTRAS,
    "rowdump": _ROWDUMP, "rowdump+extras": _ROWDUMP_EXTRAS,
}


def evaluate(studies: list[tuple[str, Study]]) -> tuple[str, list[str]]:
    """The markdown report, and a sample of mismatches for reading."""
    counts = {name: {f: [0, 0, 0] for f in FIELDS} for name in LAYOUTS}  # right, got, expected
    seconds = dict.fromkeys(LAYOUTS, 0.0)
    mismatches: list[str] = []
    for label, study in studies:
        want = facts(study)
        for name, (render, parse) in LAYOUTS.items():
            page = render(study)
            start = time.perf_counter()
            got = facts(parse(page))
            seconds[name] += time.perf_counter() - start
            for f in SHOWN.get(name, FIELDS):
                right = got[f] & want[f]
                c = counts[name][f]
                c[0], c[1], c[2] = c[0] + len(right), c[1] + len(got[f]), c[2] + len(want[f])
                if got[f] != want[f] and len(mismatches) < 200:
                    mismatches.append(f"{name} {label} {f}: missing {want[f] - got[f]!r:.300} "
                                      f"extra {got[f] - want[f]!r:.300}")  # fmt: skip
    head = " | ".join(f"{n} P | {n} R" for n in LAYOUTS)
    rows = [f"| field | facts | {head} |", "|---|---:|" + "---:|---:|" * len(LAYOUTS)]
    for f in FIELDS:
        cells = [f"{max(counts[n][f][2] for n in LAYOUTS):,}"]
        for name in LAYOUTS:
            right, got, expected = counts[name][f]
            if f not in SHOWN.get(name, FIELDS):
                cells += ["—", "—"]
            else:
                cells += [_rate(right, got), _rate(right, expected)]
        rows.append(f"| {f} | " + " | ".join(cells) + " |")
    totals = []
    for name in LAYOUTS:
        right, got, expected = (sum(c[i] for c in counts[name].values()) for i in range(3))
        totals += [_rate(right, got), _rate(right, expected)]
    facts_all = max(sum(c[2] for c in counts[n].values()) for n in LAYOUTS)
    rows.append(f"| **all fields** | {facts_all:,} | " + " | ".join(f"**{t}**" for t in totals) + " |")
    speed = ", ".join(f"{n}: {len(studies) / max(s, 1e-9):,.0f} pages/s" for n, s in seconds.items())
    report = [
        "## Trial pages as text: field recovery (`benchmarks/page_fields.py`)", "",
        f"{len(studies)} real records (API v2 arrays and files, legacy XML of `corpus/`) rendered in "
        "each layout by `tests/pages.py` and parsed back by `trialkg.extract.page_long` (`terse`: "
        "`page_terse`, `rowdump`: `page_rowdump`). "
        "P (precision): share of extracted facts that are right; R (recall): share of the "
        "record's facts recovered; rates are rounded down, so 100% means no error; facts: the "
        "record's facts for the field; '—': the layout does not show the field; n/a: no record "
        "has it (real records list no related trials). `long` mirrors seeds 002–004 (rendering a "
        "parsed seed gives the seed back); `long+extras` adds what they do not show (primary "
        "completion date, keywords, outcomes, contact e-mails); `no blurbs` drops the one-line "
        "section descriptions; `shuffled` puts the sections in random order. Renderer and parser "
        "are written separately, but both follow the seeds, so these rates measure the parser on "
        "the layout, not on pages from other sources.", "",
        *rows, "", f"Parse speed: {speed}.", "",
    ]  # fmt: skip
    return "\n".join(report), mismatches


def _rate(right: int, total: int) -> str:
    if not total:
        return "n/a"
    return "100%" if right == total else f"{math.floor(1000 * right / total) / 10:.1f}%"


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    p.add_argument("--per-source", type=int, default=60, help="records per corpus file or folder")
    p.add_argument("--mismatches", action="store_true", help="also print mismatched facts")
    args = p.parse_args()
    report, mismatches = evaluate(real_studies(args.shared / "corpus", args.per_source))
    print(report)
    if args.mismatches:
        print("\n".join(mismatches))

