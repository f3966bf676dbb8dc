"""Each fixture's extracted graph equals its golden graph (compared as graphs, not as text)."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES, GOLDEN, assert_same_graph, to_rdflib
from trialkg.extract import extract
from trialkg.readers import Record, read_paths

# A fetch cache (NCT03377387.fetched) holds the same record as NCT03377387.json: its graph is that one's.
FIXTURE_FILES = sorted(p for p in FIXTURES.iterdir() if p.name.startswith("NCT") and p.is_file())


@pytest.mark.parametrize("path", FIXTURE_FILES, ids=lambda p: p.name)
def test_fixture_matches_golden_graph(path: Path) -> None:
    triples = []
    records = [r for r in read_paths([path]) if isinstance(r, Record)]
    assert records, f"{path.name} gave no record"
    for record in records:
        triples += extract(record.format, record.payload, record.position)[2]
    assert_same_graph(to_rdflib(triples), GOLDEN / (path.name + ".ttl"))
