"""The command line: summaries, exit codes and one-line errors, run as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import FIXTURES


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "trialkg", *args], capture_output=True, text=True, cwd=cwd)


def test_build_then_card(tmp_path: Path) -> None:
    store = str(tmp_path / "s")
    done = run("build", "--store", store, "-q", str(FIXTURES / "NCT03529110.json"), str(tmp_path / "nope"))
    assert done.returncode == 0, done.stderr
    assert "1 trials" in done.stdout and "1 skipped" in done.stdout
    assert "no such file or folder" in done.stdout
    shown = run("card", "--store", store, "NCT03529110")
    assert shown.returncode == 0
    assert json.loads(shown.stdout)["nct_id"] == "NCT03529110"


def test_card_of_absent_trial_exits_1_with_one_line(tmp_path: Path) -> None:
    store = str(tmp_path / "s")
    run("build", "--store", store, "-q", str(FIXTURES / "NCT03529110.json"))
    done = run("card", "--store", store, "NCT00000001")
    assert done.returncode == 1
    assert done.stderr.strip().count("\n") == 0 and "NCT00000001 is not in the store" in done.stderr


def test_user_mistakes_give_one_line_and_no_traceback(tmp_path: Path) -> None:
    for args in (["card", "--store", str(tmp_path / "none"), "NCT03529110"],
                 ["card", "--store", str(tmp_path / "none")]):  # fmt: skip
        done = run(*args)
        assert done.returncode == 2
        assert "Traceback" not in done.stderr and done.stderr.strip().count("\n") == 0


def test_bad_nct_id_is_a_user_error(tmp_path: Path) -> None:
    store = str(tmp_path / "s")
    run("build", "--store", store, "-q", str(FIXTURES / "NCT03529110.json"))
    done = run("card", "--store", store, "NCT123")
    assert done.returncode == 2 and "not an NCT id" in done.stderr


def test_build_of_nothing_usable_exits_1(tmp_path: Path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(bytes(range(256)))
    done = run("build", "--store", str(tmp_path / "s"), "-q", str(junk))
    assert done.returncode == 1 and "not UTF-8" in done.stdout


def test_store_from_environment(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "TRIALKG_STORE": str(tmp_path / "env-store")}
    done = subprocess.run([sys.executable, "-m", "trialkg", "build", "-q", str(FIXTURES / "NCT03529110.json")],
                          capture_output=True, text=True, env=env)  # fmt: skip
    assert done.returncode == 0 and (tmp_path / "env-store").is_dir()


def test_formats_lists_the_registry() -> None:
    from trialkg.extract import FORMATS

    done = run("formats")
    assert done.returncode == 0
    assert [line.split()[0] for line in done.stdout.splitlines()] == list(FORMATS)


def test_store_path_that_is_a_file_is_a_user_error(tmp_path: Path) -> None:
    blocker = tmp_path / "store"
    blocker.write_text("not a store")
    done = run("build", "--store", str(blocker), "-q", str(FIXTURES / "NCT03529110.json"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "cannot create the store folder" in done.stderr


def test_a_folder_holding_other_files_is_never_used_as_a_store(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    done = run("build", "--store", str(tmp_path), "-q", str(FIXTURES / "NCT03529110.json"))
    assert done.returncode == 2 and "holds no trialkg store" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
