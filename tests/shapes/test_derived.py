"""The tkg:Collaboration shape (shapes/derived.ttl) on real collaborations, whole and broken one way at a time."""

from __future__ import annotations

import pytest
from shapecheck import Case, data, property_shapes, results

BASE = "collaborations.ttl"
PAIR = "collaboration/ffa88a04132e9117"
P = f"<{PAIR}>"

CASES = [
    Case("without-label", BASE, {("Collaboration-label", PAIR, "rdfs:label", "MinCount")},
         remove=f'{P} rdfs:label "Affibody – Karolinska Institutet" .'),
    Case("empty-label", BASE, {("Collaboration-label", PAIR, "rdfs:label", "MinLength")},
         remove=f'{P} rdfs:label "Affibody – Karolinska Institutet" .', add=f'{P} rdfs:label "" .'),
    Case("two-labels", BASE, {("Collaboration-label-count", PAIR, "rdfs:label", "MaxCount")},
         add=f'{P} rdfs:label "Karolinska Institutet – Affibody" .'),
    Case("one-partner", BASE, {("Collaboration-partner", PAIR, "tkg:partner", "MinCount")},
         remove=f"{P} tkg:partner <org/karolinska-institutet> ."),
    Case("three-partners", BASE, {("Collaboration-partner", PAIR, "tkg:partner", "MaxCount")},
         add=f"{P} tkg:partner <org/swedish-cancer-society> ."),
    Case("partner-not-an-organization", BASE, {("Collaboration-partner", PAIR, "tkg:partner", "Class")},
         remove=f"{P} tkg:partner <org/karolinska-institutet> .", add=f"{P} tkg:partner <trial/NCT01858116> ."),
    Case("without-count", BASE, {("Collaboration-sharedTrials", PAIR, "tkg:sharedTrials", "MinCount")},
         remove=f"{P} tkg:sharedTrials 1 ."),
    Case("count-zero", BASE, {("Collaboration-sharedTrials", PAIR, "tkg:sharedTrials", "MinInclusive")},
         remove=f"{P} tkg:sharedTrials 1 .", add=f"{P} tkg:sharedTrials 0 ."),
    # A string is not comparable with 1 either: SHACL reports both.
    Case("count-as-text", BASE, {("Collaboration-sharedTrials", PAIR, "tkg:sharedTrials", "Datatype"),
                                 ("Collaboration-sharedTrials", PAIR, "tkg:sharedTrials", "MinInclusive")},
         remove=f"{P} tkg:sharedTrials 1 .", add=f'{P} tkg:sharedTrials "1" .'),
    Case("two-counts", BASE, {("Collaboration-sharedTrials", PAIR, "tkg:sharedTrials", "MaxCount")},
         add=f"{P} tkg:sharedTrials 2 ."),
]  # fmt: skip


def test_real_collaborations_conform() -> None:
    assert results(data(BASE)) == set()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_broken_collaboration_is_reported(case: Case) -> None:
    assert results(case.graph()) == case.expect


def test_every_collaboration_shape_has_a_violating_case() -> None:
    hit = {name for case in CASES for name, *_ in case.expect}
    assert property_shapes("Collaboration") <= hit
