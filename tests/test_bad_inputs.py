"""Every broken input of tests/bad_inputs/ gets the outcome its expected.tsv line says, and loses nothing else."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from trialkg.build import BuildReport, build, known_records
from trialkg.store import Store

BAD = Path(__file__).parent / "bad_inputs"


def _expected() -> list[tuple[str, str, str, str]]:
    rows = []
    for line in (BAD / "expected.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            file, position, outcome, message = line.split("\t")
            rows.append((file, position, outcome, message))
    return rows


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildReport, dict[tuple[str, str], str], Path]:
    # Built from a copy in a deep folder: an archive member named ../../../tmp/… must land nowhere.
    root = tmp_path_factory.mktemp("bad")
    src = root / "a" / "b" / "c" / "in"
    shutil.copytree(BAD, src)
    store = Store(root / "store")
    report = build(store, [str(src)])
    written = {(str(Path(s).relative_to(src)), p): g for (s, p), (g, _, _) in known_records(store).items()}
    return report, written, src


def test_every_file_is_listed() -> None:
    files = {str(p.relative_to(BAD)) for p in BAD.rglob("*") if p.is_file() and p.name != "expected.tsv"}
    assert files == {file for file, *_ in _expected()}


@pytest.mark.parametrize("file,position,outcome,message", _expected(), ids=lambda v: str(v)[:40])
def test_outcome(built: tuple[BuildReport, dict[tuple[str, str], str], Path], file: str, position: str,
                 outcome: str, message: str) -> None:  # fmt: skip
    report, written, src = built
    source = str(src / file)
    if outcome == "skipped":
        reasons = [s.reason for s in report.skipped if s.source == source and s.position == position]
        assert len(reasons) == 1 and message in reasons[0], reasons
        assert (file, position) not in written
    elif outcome == "written":
        assert (file, position) in written
        assert not [s for s in report.skipped if s.source == source and s.position == position]
    else:
        warnings = [w for s, p, w in report.warnings if s == source and p == position]
        assert any(message in w for w in warnings), warnings
        assert (file, position) in written  # a warning never costs the record


def test_nothing_is_written_outside_the_store(built: tuple[BuildReport, dict[tuple[str, str], str], Path]) -> None:
    _, _, src = built
    root = src.parents[3]
    assert sorted(p.name for p in root.iterdir()) == ["a", "store"]
    assert not list(root.rglob("NCT03529110.json"))
    assert not Path("/tmp/NCT03529110.json").exists()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trialkg", *args], capture_output=True, text=True, timeout=300)


def test_cli_exit_codes_and_one_line_reasons(tmp_path: Path) -> None:
    some = _cli("build", "-q", "--store", str(tmp_path / "s1"), str(BAD))
    assert some.returncode == 0, some.stderr  # some records written: the build did its job
    skipped = [line for line in some.stdout.splitlines() if line.startswith("skipped ")]
    assert len(skipped) == sum(outcome == "skipped" for _, _, outcome, _ in _expected())
    assert all(str(BAD) in line for line in skipped)  # each names its file
    none = _cli("build", "-q", "--store", str(tmp_path / "s2"), str(BAD / "empty.json"), str(BAD / "junk.bin"))
    assert none.returncode == 1  # nothing could be read
    (tmp_path / "file").write_text("x")
    unusable = _cli("build", "--store", str(tmp_path / "file"), str(BAD / "empty.json"))
    assert unusable.returncode == 2 and len(unusable.stderr.strip().splitlines()) == 1
    assert all("Traceback" not in r.stderr for r in (some, none, unusable))
