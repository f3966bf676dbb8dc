"""Cards are read back from the graph, follow the contract, and agree across source formats."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from conftest import FIXTURES
from trialkg.build import build
from trialkg.card import card, trial_iris
from trialkg.store import Store

SCHEMA = json.loads((Path(__file__).parent / "card.schema.json").read_text())


def _built(tmp_path: Path, *names: str) -> Store:
    store = Store(tmp_path / "store")
    build(store, [str(FIXTURES / n) for n in names])
    return store


def test_schema_copy_matches_the_shared_contract(shared: Path) -> None:
    assert json.loads((shared / "contracts" / "card.schema.json").read_text()) == SCHEMA


def test_every_fixture_card_follows_the_contract(tmp_path: Path) -> None:
    store = _built(tmp_path, *sorted(p.name for p in FIXTURES.iterdir() if p.name.startswith("NCT")))
    trials = list(trial_iris(store))
    assert len(trials) >= 5
    for iri in trials:
        c = card(store, iri)
        assert c is not None
        jsonschema.validate(c, SCHEMA)


def test_card_values_come_from_the_graph(tmp_path: Path) -> None:
    c = card(_built(tmp_path, "NCT03529110.json"), "NCT03529110")
    assert c is not None
    assert c["nct_id"] == "NCT03529110" and c["status"] == "ACTIVE_NOT_RECRUITING"
    assert c["phases"] == ["PHASE3"] and c["study_type"] == "INTERVENTIONAL"
    assert c["enrollment"] == 524 and c["start_date"] == "2018-08-09"
    assert c["sponsors"][0] == {"name": "Daiichi Sankyo", "role": "lead", "class": "INDUSTRY"}
    assert len(c["sites"]) == 6 and all(s["country"] for s in c["sites"])
    assert all(p["type"] in {"BACKGROUND", "RESULT", "DERIVED"} for p in c["publications"])
    assert c["sources"][0].endswith("NCT03529110.json")


def test_missing_trial_gives_none(tmp_path: Path) -> None:
    assert card(_built(tmp_path, "NCT03529110.json"), "NCT00000001") is None


@pytest.mark.parametrize("field", ["title", "study_type", "phases", "conditions", "start_date", "sponsors"])
def test_v2_and_xml_of_one_trial_agree(tmp_path: Path, field: str) -> None:
    from_json = card(_built(tmp_path / "a", "NCT03377387.json"), "NCT03377387")
    from_xml = card(_built(tmp_path / "b", "NCT03377387.xml"), "NCT03377387")
    assert from_json is not None and from_xml is not None
    assert from_json[field] == from_xml[field]
    assert from_json[field] not in (None, [])


def test_card_of_two_sources_speaks_from_the_newer_and_lists_both(tmp_path: Path) -> None:
    c = card(_built(tmp_path, "NCT03377387.json", "NCT03377387.xml"), "NCT03377387")
    assert c is not None
    assert len(c["sources"]) == 2
    assert c["status"] == "ACTIVE_NOT_RECRUITING"  # the v2 snapshot (2023) is newer than the XML


def test_every_card_is_written_one_at_a_time_as_one_json_array(tmp_path: Path) -> None:
    import io

    from trialkg.card import write_cards

    store = _built(tmp_path, "NCT03529110.json", "NCT01832051.xml", "NCT02369484-array.json")
    out = io.StringIO()
    missing = write_cards(store, [*trial_iris(store), "NCT09999999"], out, array=True)
    cards = json.loads(out.getvalue())
    assert missing == ["NCT09999999"] and len(cards) == 4
    assert out.getvalue() == json.dumps(cards, indent=2, ensure_ascii=False) + "\n"  # laid out as one dump
    assert [c["nct_id"] for c in cards] == sorted(c["nct_id"] for c in cards)
    empty = io.StringIO()
    assert write_cards(store, [], empty, array=True) == [] and json.loads(empty.getvalue()) == []
