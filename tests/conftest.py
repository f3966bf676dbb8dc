"""Shared test helpers: fixtures by NCT id, graphs compared as graphs, stores in tmp folders."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox
import pytest
import rdflib
from rdflib.compare import graph_diff, to_isomorphic

from trialkg.terms import NS

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = Path(__file__).parent / "golden"
SHARED = Path(__file__).resolve().parents[2] / "shared"
UPDATE_GOLDEN = os.environ.get("TRIALKG_UPDATE_GOLDEN") == "1"


def to_rdflib(triples: Iterable[ox.Triple]) -> rdflib.Graph:
    """An rdflib copy of pyoxigraph triples, through canonical N-Triples."""
    data = ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES)
    graph = rdflib.Graph()
    graph.bind("tkg", NS)
    graph.parse(data=(data or b"").decode(), format="nt")
    return graph


def assert_same_graph(actual: rdflib.Graph, golden_path: Path) -> None:
    """Compare with a golden Turtle file as graphs; on failure list missing and extra triples."""
    if UPDATE_GOLDEN or not golden_path.exists():
        golden_path.write_text(actual.serialize(format="turtle"))
        if not UPDATE_GOLDEN:
            pytest.fail(f"golden file {golden_path.name} was missing and has been written: review it")
    expected = rdflib.Graph().parse(golden_path, format="turtle")
    iso_a, iso_e = to_isomorphic(actual), to_isomorphic(expected)
    if iso_a == iso_e:
        return
    _, missing, extra = graph_diff(iso_e, iso_a)
    lines = [f"graph differs from {golden_path.name}:"]
    lines += [f"  missing: {s.n3()} {p.n3()} {o.n3()}"[:300] for s, p, o in sorted(missing)[:40]]
    lines += [f"  extra:   {s.n3()} {p.n3()} {o.n3()}"[:300] for s, p, o in sorted(extra)[:40]]
    pytest.fail("\n".join(lines))


@pytest.fixture
def shared() -> Path:
    """The shared corpus beside the repository; tests that need it are skipped without it."""
    if not (SHARED / "corpus").is_dir():
        pytest.skip("../shared/corpus is not beside this checkout")
    return SHARED


def chromium_dom(page: str, profile: Path) -> str:
    """The DOM of a page after its scripts ran, from headless Chromium (skipped where it is not installed,
    except in CI, which installs it)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install chromium (.ci/run)")
        pytest.skip("chromium is not installed here (CI installs it)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={profile}", "--virtual-time-budget=15000", "--dump-dom"]  # fmt: skip
    return subprocess.run([chromium, *flags, page], capture_output=True, text=True, timeout=120).stdout
