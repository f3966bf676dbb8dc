"""Records without an NCT id join the trial they describe, whatever the order of ingest."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import FIXTURES
from trialkg.build import build
from trialkg.card import card, trial_iris
from trialkg.store import Store

TERSE, ROWDUMP, XML = (FIXTURES / n for n in ("NCT01832051.terse.txt", "NCT01832051.rowdump.txt", "NCT01832051.xml"))


def _trials(store: Store) -> list[str]:
    return list(trial_iris(store))


def test_two_pages_of_one_unregistered_trial_are_one_trial(tmp_path: Path) -> None:
    store = Store(tmp_path / "s")
    report = build(store, [str(TERSE), str(ROWDUMP)])
    (trial,) = _trials(store)
    assert "/trial/local-" in trial and len(report.trials) == 1
    c = card(store, trial)
    assert c is not None
    # Fields come from whichever page has them: the title from the row dump, the site from the terse page.
    assert c["title"] == "Clinical Value of 89Zr-trastuzumab PET"
    assert c["enrollment"] == 20
    assert [(s["city"], s["country"]) for s in c["sites"]] == [("Groningen", "Netherlands")]
    assert len(c["sources"]) == 2 and c["nct_id"] is None


@pytest.mark.parametrize("order", [[TERSE, ROWDUMP, XML], [XML, ROWDUMP, TERSE], [ROWDUMP, XML, TERSE]])
def test_pages_join_the_registered_trial_in_any_order(tmp_path: Path, order: list[Path]) -> None:
    store = Store(tmp_path / "s")
    for path in order:  # one build per file: linkage must also work across builds
        build(store, [str(path)])
    assert _trials(store) == ["https://w3id.org/trialkg/trial/NCT01832051"]
    c = card(store, "NCT01832051")
    assert c is not None and len(c["sources"]) == 3
    assert c["conditions"] == ["Metastatic Breast Cancer"] and c["enrollment"] == 20
    assert ("Groningen", "Netherlands") in {(s["city"], s["country"]) for s in c["sites"]}


def test_trial_scoped_entities_move_with_the_trial(tmp_path: Path) -> None:
    store = Store(tmp_path / "s")
    build(store, [str(XML), str(TERSE), str(ROWDUMP)])
    left = list(store.select("SELECT ?s WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?s), '/local-')) }"))
    assert left == []
    outcomes = list(store.select(
        "SELECT ?o WHERE { GRAPH ?g { ?t tkg:outcome|tkg:primaryOutcome|tkg:secondaryOutcome ?o } "
        "FILTER(STRSTARTS(STR(?o), 'https://w3id.org/trialkg/outcome/NCT01832051/')) }"
    ))  # fmt: skip
    assert len(outcomes) >= 4


def test_two_registered_trials_with_one_title_stay_apart(tmp_path: Path) -> None:
    import json

    study = json.loads((FIXTURES / "NCT03529110.json").read_text())
    twin = json.loads(json.dumps(study))
    twin["protocolSection"]["identificationModule"]["nctId"] = "NCT09999999"
    src = tmp_path / "twins.json"
    src.write_text(json.dumps([study, twin]))
    store = Store(tmp_path / "s")
    report = build(store, [str(src)])
    assert len(_trials(store)) == 2 and report.links == []


def test_card_of_an_unregistered_trial_by_its_local_key(tmp_path: Path) -> None:
    store = Store(tmp_path / "s")
    build(store, [str(TERSE), str(ROWDUMP)])
    (trial,) = _trials(store)
    c = card(store, trial.rsplit("/", 1)[1])
    assert c is not None and c["iri"] == trial and c["nct_id"] is None
