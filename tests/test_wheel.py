"""The wheel carries the ontology, shapes, queries and samples, and finds them once installed."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WHEEL = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w"]


def test_wheel_ships_package_data(tmp_path: Path) -> None:
    done = subprocess.run(
        WHEEL + [str(tmp_path), str(ROOT)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    (wheel,) = tmp_path.glob("trialkg-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "trialkg/data/ontology/trialkg.ttl" in names
    assert any(n.startswith("trialkg/samples/NCT") for n in names)
    assert {"trialkg/cli.py", "trialkg/extract/ctgov_v2.py", "trialkg/page.html"} <= names
    for folder in ("shapes", "queries"):
        local = {p.name for p in (ROOT / folder).iterdir() if p.is_file()}
        assert {f"trialkg/data/{folder}/{n}" for n in local} <= names


def test_installed_wheel_finds_its_resources(tmp_path: Path) -> None:
    subprocess.run(
        WHEEL + [str(tmp_path), str(ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    (wheel,) = tmp_path.glob("trialkg-*.whl")
    target = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(target)
    code = "from trialkg import resources; print(resources.path('ontology')); print(resources.path('samples'))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={"PYTHONPATH": str(target), "PATH": ""})  # fmt: skip
    assert done.returncode == 0, done.stderr
    onto, samples = done.stdout.split()
    assert onto.startswith(str(target)) and (Path(onto) / "trialkg.ttl").is_file()
    assert samples.startswith(str(target)) and any(Path(samples).glob("NCT*.xml"))
