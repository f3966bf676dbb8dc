"""Shapes of derived graphs (shapes/derived.ttl) on real collaborations and suggestions, whole and broken."""

from __future__ import annotations

import pytest
from shapecheck import Case, data, property_shapes, results

BASE = "collaborations.ttl"
PAIR = "collaboration/ffa88a04132e9117"
P = f"<{PAIR}>"
RELATED = "suggestions.ttl"
GRAPH = "graph/derived/related"
G = f"<{GRAPH}>"
SUG = "suggestion/NCT01858116/NCT06830382"
S = f"<{SUG}>"
WHEN = '"2026-11-21T16:55:47Z"^^xsd:dateTime'

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
    # suggestions
    Case("suggestion-for-nothing", RELATED, {("Suggestion-suggestedFor", SUG, "tkg:suggestedFor", "MinCount")},
         remove=f"{S} tkg:suggestedFor <trial/NCT01858116> ."),
    Case("suggestion-for-a-literal", RELATED, {("Suggestion-suggestedFor", SUG, "tkg:suggestedFor", "NodeKind"),
                                               ("Suggestion-suggestedFor", SUG, "tkg:suggestedFor", "Pattern")},
         remove=f"{S} tkg:suggestedFor <trial/NCT01858116> .", add=f'{S} tkg:suggestedFor "NCT01858116" .'),
    Case("suggestion-of-two-trials", RELATED, {("Suggestion-suggestedTrial", SUG, "tkg:suggestedTrial", "MaxCount")},
         add=f"{S} tkg:suggestedTrial <trial/NCT03991260> ."),
    Case("suggestion-of-itself", RELATED, {("Suggestion-suggestedTrial", SUG, "tkg:suggestedTrial", "Disjoint")},
         remove=f"{S} tkg:suggestedTrial <trial/NCT06830382> .", add=f"{S} tkg:suggestedTrial <trial/NCT01858116> ."),
    Case("suggestion-of-an-organization", RELATED,
         {("Suggestion-suggestedTrial", SUG, "tkg:suggestedTrial", "Pattern")},
         remove=f"{S} tkg:suggestedTrial <trial/NCT06830382> .", add=f"{S} tkg:suggestedTrial <org/affibody> ."),
    Case("suggestion-rank-zero", RELATED, {("Suggestion-rank", SUG, "tkg:rank", "MinInclusive")},
         remove=f"{S} tkg:rank 1 .", add=f"{S} tkg:rank 0 ."),
    Case("suggestion-without-rank", RELATED, {("Suggestion-rank", SUG, "tkg:rank", "MinCount")},
         remove=f"{S} tkg:rank 1 ."),
    Case("suggestion-score-above-one", RELATED, {("Suggestion-score", SUG, "tkg:score", "MaxInclusive")},
         remove=f"{S} tkg:score 0.559 .", add=f"{S} tkg:score 1.5 ."),
    Case("suggestion-score-as-double", RELATED, {("Suggestion-score", SUG, "tkg:score", "Datatype")},
         remove=f"{S} tkg:score 0.559 .", add=f"{S} tkg:score 0.559e0 ."),
    Case("suggestion-two-scores", RELATED, {("Suggestion-score", SUG, "tkg:score", "MaxCount")},
         add=f"{S} tkg:score 0.5 ."),
    Case("suggestion-empty-reason", RELATED, {("Suggestion-reason", SUG, "tkg:reason", "MinLength"),
                                              ("Suggestion-reason", SUG, "tkg:reason", "MaxCount")},
         add=f'{S} tkg:reason "" .'),
    Case("suggestion-two-reasons", RELATED, {("Suggestion-reason", SUG, "tkg:reason", "MaxCount")},
         add=f'{S} tkg:reason "shared sponsor Affibody" .'),
    # the derived graph's own node
    Case("graph-without-label", RELATED, {("DerivedGraph-label", GRAPH, "rdfs:label", "MinCount")},
         remove=f'{G} rdfs:label "the 10 trials most like each trial" .'),
    Case("graph-without-time", RELATED, {("DerivedGraph-generatedAtTime", GRAPH, "prov:generatedAtTime", "MinCount")},
         remove=f"{G} prov:generatedAtTime {WHEN} ."),
    Case("graph-time-as-text", RELATED,
         {("DerivedGraph-generatedAtTime", GRAPH, "prov:generatedAtTime", "Datatype")},
         remove=f"{G} prov:generatedAtTime {WHEN} .", add=f'{G} prov:generatedAtTime "2026-11-21" .'),
    Case("graph-two-methods", RELATED, {("DerivedGraph-method", GRAPH, "tkg:method", "MaxCount")},
         add=f'{G} tkg:method "by hand" .'),
    Case("graph-parameters-not-json", RELATED, {("DerivedGraph-parameters", GRAPH, "tkg:parameters", "Pattern"),
                                                ("DerivedGraph-parameters", GRAPH, "tkg:parameters", "MaxCount")},
         add=f'{G} tkg:parameters "k=10" .'),
]  # fmt: skip


@pytest.mark.parametrize("base", [BASE, RELATED])
def test_real_derived_graphs_conform(base: str) -> None:
    assert results(data(base)) == set()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_broken_collaboration_is_reported(case: Case) -> None:
    assert results(case.graph()) == case.expect


@pytest.mark.parametrize("shape", ["Collaboration", "Suggestion", "DerivedGraph"])
def test_every_derived_shape_has_a_violating_case(shape: str) -> None:
    hit = {name for case in CASES for name, *_ in case.expect}
    assert property_shapes(shape) <= hit
