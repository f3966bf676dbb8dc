"""Time-boxed fuzzing of the trial-page parsers: damaged real pages never crash, hang or invent an NCT id."""

from __future__ import annotations

import contextlib
import os
import random
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import FIXTURES, SHARED
from test_properties import ALLOWED, check_build, check_study, parse_or_refuse, time_limit
from trialkg import iris
from trialkg.extract import FORMATS, page_layout, page_long, page_rowdump
from trialkg.model import Study
from trialkg.readers import Record, Skipped, records_from_bytes

# The fuzz run's budget in seconds (CI sets its own in .ci/run) and its seed: a new one each run unless given,
# so that runs add up; a failure names the seed and the case, which regenerate its input exactly.
BUDGET = float(os.environ.get("TRIALKG_FUZZ_SECONDS", "20"))
SEED = int(os.environ.get("TRIALKG_FUZZ_SEED") or random.SystemRandom().randrange(1 << 32))
CASE_LIMIT = 10.0  # seconds one damaged page may take through every parser (a real page takes milliseconds)
PAGE_FORMATS = ("page-long", "page-terse", "page-rowdump")


def _seeds() -> list[str]:
    """Real pages: the fixtures, and the shared seeds beside the checkout when they are there."""
    paths = sorted(FIXTURES.glob("*.txt"))
    if (SHARED / "seeds").is_dir():
        paths += sorted((SHARED / "seeds").glob("*.txt"))
    texts = [p.read_text(encoding="utf-8") for p in paths]
    return list(dict.fromkeys(texts))  # (today the shared seeds are copies of fixtures)


SEEDS = _seeds()


# A reported bug outside the page parsers (tracers.py, not this change's to fix): a mass number before a long
# run of white space takes the radionuclide pattern time square in the run. A page with such a run is checked
# without making its statements; test_reported_tracer_backtracking is the reproducer.
_LONG_WHITE_SPACE = re.compile(r"\s{400}")


def check_page(text: str) -> None:
    """Every page parser, the layout recognizer and the reader on one text: a Study or an allowed error, in
    bounded time; no NCT id that is not in the text; the build writes or skips each record, never crashes."""
    statements = not _LONG_WHITE_SPACE.search(text)
    with time_limit(CASE_LIMIT):
        page_layout(text)
        for fmt in PAGE_FORMATS:
            study = parse_or_refuse(fmt, text)
            if study is not None:
                check_page_study(study, text, statements)
        for item in records_from_bytes(text.encode("utf-8"), "/pages/page.txt", ""):
            assert isinstance(item, (Record, Skipped))
            if isinstance(item, Record) and statements:
                check_build(item)


def check_page_study(study: Study, text: str, statements: bool = True) -> None:
    if study.nct_id is not None:
        iris.trial(study.nct_id)  # a well-formed id ...
        assert study.nct_id in text, f"NCT id {study.nct_id} is not in the page"  # ... from the page
    for listing in study.related_listed:
        assert listing.nct_id in text, f"related NCT id {listing.nct_id} is not in the page"
    if statements:
        check_study(study)


# ---------------------------------------------------------------------------------------------------------------
# Damage: what copying, converting, cutting and pasting do to a page, and worse.

_CHARS = [
    "\x00", "\x0b", "\x0c", "\x1c", "\x85", "\u2028", "\u200f", "\u202e", "\ufeff", "\U0001f600", "\u0663",
    "\uff11", "\r", "\t", " ", ":", "-", "|", ",", ".", "\\", "(", ")", "[", "]", "*", "#", "@", "\u2013", "\u00a0",
]  # fmt: skip
# Runs that made a parser take time square or worse in the length (each fixed): words after a 'result',
# spaces in a phone number, dots in an e-mail domain, words after a related trial's id, and the like.
_RUNS = [" ", "-", ":", ", ", "|", ".", "(", "1", "a ", "result ", "x@", "NCT0", "\\", "1 ", "Aa ", "\t", "_"]
_LINES = [
    "", "NCT ID: NCT01234567", "Status", "RECRUITING", "Time frame: 12 weeks", "Primary Outcomes", "Phase",
    "PHASE2", "Foo Bar", "YES", "Paris, France", "Hospital X", "Site Status RECRUITING", "Group Type EXPERIMENTAL",
    "Intervention Type DRUG", "Role: PRINCIPAL_INVESTIGATOR", "PMID: 12345678", "DRUG: aspirin", "2020-01-01",
    "Allocation: RANDOMIZED", "MALE", "18 Years to 65 Years", "Study Results", "Results pending", "Conditions",
    "Locations", "Countries", "France", "Central Contacts", "a@b.org", "+1 555 0100 ext 12", "More Related Trials",
    "NCT07654321 RECRUITING PHASE1", "Identifier Type: -", "Reference Type BACKGROUND", "Sponsor Role lead",
]  # fmt: skip


def damage(rng: random.Random, text: str) -> tuple[str, list[str]]:
    """A damaged copy of ``text`` and the damage done, by name."""
    lines = text.split("\n")
    done = []
    for _ in range(rng.randint(1, 6)):
        op = rng.choice(_OPS)
        lines = op(rng, lines) or lines
        done.append(op.__name__.strip("_"))
    return "\n".join(lines), done


def _at(rng: random.Random, lines: list[str]) -> int:
    return rng.randrange(len(lines) + 1)


def _delete_lines(rng: random.Random, lines: list[str]) -> None:
    i = _at(rng, lines)
    del lines[i : i + rng.randint(1, 8)]


def _duplicate_lines(rng: random.Random, lines: list[str]) -> None:
    i = _at(rng, lines)
    lines[i:i] = lines[i : i + rng.randint(1, 12)] * rng.randint(1, 3)


def _splice_other_page(rng: random.Random, lines: list[str]) -> None:
    other = rng.choice(SEEDS).split("\n")
    j = rng.randrange(len(other))
    i = _at(rng, lines)
    lines[i:i] = other[j : j + rng.randint(1, 40)]


def _block(rng: random.Random, lines: list[str]) -> tuple[int, int]:
    """A paragraph (a section, on a long page): the lines between two blank ones around a random line."""
    i = rng.randrange(len(lines)) if lines else 0
    start = max((k + 1 for k in range(i) if not lines[k].strip()), default=0)
    end = next((k for k in range(i + 1, len(lines)) if not lines[k].strip()), len(lines))
    return start, end


def _delete_section(rng: random.Random, lines: list[str]) -> None:
    start, end = _block(rng, lines)
    del lines[start:end]


def _duplicate_section(rng: random.Random, lines: list[str]) -> None:
    start, end = _block(rng, lines)
    i = _at(rng, lines)
    lines[i:i] = [*lines[start:end], ""]


def _move_section(rng: random.Random, lines: list[str]) -> None:
    start, end = _block(rng, lines)
    moved = lines[start:end]
    del lines[start:end]
    i = _at(rng, lines)
    lines[i:i] = [*moved, ""]


def _swap_lines(rng: random.Random, lines: list[str]) -> None:
    if len(lines) > 1:
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]


def _random_characters(rng: random.Random, lines: list[str]) -> None:
    if lines:
        i = rng.randrange(len(lines))
        k = rng.randint(0, len(lines[i]))
        noise = "".join(rng.choice(_CHARS) if rng.random() < 0.7 else chr(rng.randrange(0x20, 0x30000))
                        for _ in range(rng.randint(1, 6)))  # fmt: skip
        lines[i] = lines[i][:k] + re.sub("[\ud800-\udfff]", "", noise) + lines[i][k:]  # (no UTF-8 holds those)


def _random_bytes(rng: random.Random, lines: list[str]) -> None:
    """Bytes as a lenient decoder would give them: any, with replacement characters for the bad ones."""
    if lines:
        i = rng.randrange(len(lines))
        lines[i] += rng.randbytes(rng.randint(1, 30)).decode("utf-8", "replace")


def _huge_line(rng: random.Random, lines: list[str]) -> None:
    run = rng.choice(_RUNS) * (rng.randint(1, 60_000) // 2)
    lead = rng.choice(["", "Title ", "Time frame: ", "NCT01234567 ", "Measure, "])
    lines.insert(_at(rng, lines), lead + run + rng.choice(["", "Z", "1Z", "@", "."]))


def _known_line(rng: random.Random, lines: list[str]) -> None:
    lines.insert(_at(rng, lines), rng.choice(_LINES))


def _case(rng: random.Random, lines: list[str]) -> None:
    if lines:
        i = rng.randrange(len(lines))
        lines[i] = rng.choice([str.upper, str.lower, str.title, str.swapcase])(lines[i])


def _cut(rng: random.Random, lines: list[str]) -> list[str]:
    text = "\n".join(lines)
    return text[: rng.randrange(len(text) + 1)].split("\n")


def _join_or_split(rng: random.Random, lines: list[str]) -> None:
    if len(lines) > 1 and rng.random() < 0.5:
        i = rng.randrange(len(lines) - 1)
        lines[i : i + 2] = [lines[i] + rng.choice(["", " ", "\t", ": "]) + lines[i + 1]]
    elif lines:
        i = rng.randrange(len(lines))
        k = rng.randint(0, len(lines[i]))
        lines[i : i + 1] = [lines[i][:k], lines[i][k:]]


def _line_ends(rng: random.Random, lines: list[str]) -> list[str]:
    end = rng.choice(["\r\n", "\r", "\n\n", "\u2028", "\x85"])
    return "\n".join(lines).replace("\n", end).split("\n")


def _escapes(rng: random.Random, lines: list[str]) -> None:
    """Markdown escapes, as a copy from a rendered page has them ('\\[68Ga\\]', 'PHASE\\_2')."""
    if lines:
        i = rng.randrange(len(lines))
        lines[i] = re.sub(r"([\[\]()_*.\-|#+!<>])", r"\\\1", lines[i])


def _blank_lines(rng: random.Random, lines: list[str]) -> list[str]:
    return [ln for ln in lines if ln.strip()] if rng.random() < 0.5 else [x for ln in lines for x in (ln, "")]


_OPS: list[Callable[[random.Random, list[str]], list[str] | None]] = [
    _delete_lines, _duplicate_lines, _splice_other_page, _delete_section, _duplicate_section, _move_section,
    _swap_lines, _random_characters, _random_bytes, _huge_line, _known_line, _case, _cut, _join_or_split,
    _line_ends, _escapes, _blank_lines,
]  # fmt: skip


def fuzz_case(seed: int, case: int) -> tuple[str, list[str]]:
    """The input of one case of a run, from the run's seed and the case's number alone."""
    rng = random.Random(f"{seed}:{case}")
    return damage(rng, SEEDS[case % len(SEEDS)])


def test_real_pages_pass_the_checks() -> None:
    for text in SEEDS:
        check_page(text)


def test_fuzz_damaged_pages(tmp_path: Path) -> None:
    """Damaged real pages for TRIALKG_FUZZ_SECONDS; the first failing input is saved and named in the failure."""
    if BUDGET <= 0:
        pytest.skip("TRIALKG_FUZZ_SECONDS is 0")
    deadline = time.monotonic() + BUDGET
    case = 0
    while time.monotonic() < deadline:
        text, done = fuzz_case(SEED, case)
        try:
            check_page(text)
        except (Exception, pytest.fail.Exception) as exc:
            saved = tmp_path / f"fuzz-{SEED}-{case}.txt"
            saved.write_text(text, encoding="utf-8", errors="surrogatepass")
            shown = repr(text) if len(text) <= 3000 else f"{text[:3000]!r}... ({len(text)} characters)"
            pytest.fail(
                f"fuzz case {case} of seed {SEED} ({', '.join(done)}) failed: {type(exc).__name__}: {exc}\n"
                f"input saved as {saved}; regenerate it with test_fuzz_pages.fuzz_case({SEED}, {case})[0]\n"
                f"input: {shown}"
            )
        case += 1
    print(f"fuzz: {case} damaged pages in {BUDGET:g} s, seed {SEED}")


# ---------------------------------------------------------------------------------------------------------------
# Pathological pages: runs that once took a parser time square (or cube) in their length. At 256 kB each
# must take a fraction of a second in every parser; the square-time code took minutes to hours.

KB = 1024
HEAD = "A Trial Title\n\nNCT ID: NCT01234567\n\n"


def _section(header: str, body: Callable[[int], str]) -> Callable[[int], str]:
    return lambda n: f"{HEAD}{header}\n\n{body(n)}\n"


def _run(chars: str) -> Callable[[int], str]:
    return lambda n: "Title\n" + chars * (n // len(chars)) + "Z\n"


PATHOLOGICAL: dict[str, Callable[[int], str]] = {
    # page_long: 'result' words before no 'pending' (the results pattern backtracked from each one).
    "results-words": _section("Study Results", lambda n: "result " * (n // 7)),
    # page_long: a contact line of spaces or of dots (the phone and e-mail patterns backtracked).
    "contact-phone-spaces": _section("Central Contacts", lambda n: "1" + " " * n + "1Z"),
    "contact-email-dots": _section("Central Contacts", lambda n: "a@" + "." * n + " x"),
    # page_long: many sites and many countries (a pattern compiled per site and country).
    "sites-and-countries": lambda n: _section("Locations", lambda m: "Paris, A\n" * (m // 18))(n // 2)
    + "\nCountries\n\n" + "\n".join(f"C{i}" for i in range(n // 16)),
    # page_long: a related trial's line of many words (each lead of words tried as a status).
    "related-status-words": _section("More Related Trials", lambda n: "T\nNCT01234567 " + "a " * (n // 2)),
    # page_long: one intervention listed under many groups (a list searched per group).
    "groups-one-drug": _section("Study Groups", lambda n: "".join(
        f"Arm {i}\nDrug A\nIntervention Type DRUG\n" for i in range(n // 40))),
    # page_terse: a run of unknown label lines above a known one (the run grew a pair per pass over all).
    "terse-unknown-labels": lambda n: "Foo Bar\nYES\n" * (n // 12) + "Status\nRECRUITING\n",
    "terse-known-labels": lambda n: "Phase\nPHASE2\n" * (n // 13),
    # page_terse: outcome headers with no time frame below (each looked ahead to the end).
    "terse-outcome-headers": lambda n: "Primary Outcomes\n" * (n // 17) + "x\nTime frame: 1\n",
    # page_rowdump: many short lines (cutting lines into cells takes time and memory per line).
    "rowdump-short-lines": lambda n: "x\n" * (n // 2),
    "rowdump-iso-lines": lambda n: "NCT01234567\nTitle\n" + "2020-01-01\n" * (n // 11),
    # Long runs of one character on one line.
    **{f"run-of-{name}": _run(c)
       for name, c in (("spaces", " "), ("dashes", "-"), ("colons", ":"), ("commas", ", "), ("pipes", "|"),
                       ("parens", "("), ("backslashes", "\\"), ("words", "a "), ("digits", "1 "))},
}  # fmt: skip


def _parse(fmt: str, text: str) -> None:
    with contextlib.suppress(*ALLOWED):
        FORMATS[fmt].parse(text)


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_pathological_pages_take_linear_time(name: str) -> None:
    text = PATHOLOGICAL[name](256 * KB)
    with time_limit(10):
        page_layout(text)
    for fmt in PAGE_FORMATS:
        with time_limit(10):
            _parse(fmt, text)


def test_a_5mb_pathological_page_finishes() -> None:
    """Every pathological run at once, 5 MB of it, through each parser and the layout recognizer; and a row
    dump of a few huge lines (a dump of more than 2,000 lines is refused at once). Each takes seconds."""
    size = 5 * 1024 * KB
    page = "".join(PATHOLOGICAL[name](size // len(PATHOLOGICAL)) for name in sorted(PATHOLOGICAL))
    dump = "\n".join(["NCT01234567", "Title"] + [c * (size // 6 // len(c)) for c in ("a ", ", ", "|", "(", "1, ")]
                     + ["DRUG: " + "x" * (size // 6)])  # fmt: skip
    times = {}
    for name, text in (("page", page), ("dump", dump)):
        assert len(text) >= 4 * 1024 * KB
        for fmt in PAGE_FORMATS:
            start = time.perf_counter()
            with time_limit(120):
                _parse(fmt, text)
            times[f"{name} {fmt}"] = time.perf_counter() - start
        start = time.perf_counter()
        with time_limit(120):
            page_layout(text)
        times[f"{name} layout"] = time.perf_counter() - start
    print("5 MB pages:", ", ".join(f"{k} {v:.1f} s" for k, v in times.items()))


# Regressions with other symptoms than time.


def test_an_nct_id_line_takes_the_id_as_registered() -> None:
    """'nct01234567' on an 'NCT ID:' line made a Study whose id the build refused; 'NCT٠١٢...' one it took."""
    for line in ("nct id: nct01234567", "NCT ID: NCT\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667"):
        assert page_long.parse(f"Title\n\n{line}\n\nConditions\n\nCancer\n").nct_id is None
    assert page_long.parse("Title\n\nnct id: NCT01234567\n\nConditions\n\nCancer\n").nct_id == "NCT01234567"


def test_a_huge_row_dump_is_refused_not_cut() -> None:
    with pytest.raises(ValueError, match="more than a dumped row has"):
        page_rowdump.parse("x\n" * 2001)
    assert page_rowdump.score("x\n" * 2001) == 0.0


def test_once_reported_tracer_backtracking_stays_fixed() -> None:
    """A mass number, then a long run of white space: '18' and 8,000 spaces took the radionuclide pattern
    of tracers.py some 20 s (time square in the run: its '\\s*-?\\s*' split the run every way)."""
    from trialkg import tracers

    with time_limit(2):
        tracers.nuclide_mentions("18" + " " * 8000 + "x")
