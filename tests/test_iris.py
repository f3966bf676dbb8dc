"""IRIs are stable, collapse label variants of one entity, and keep distinct entities apart."""

from __future__ import annotations

import pytest

from trialkg import iris


def test_trial_iri_from_nct_id() -> None:
    assert iris.trial("NCT03529110").value == "https://w3id.org/trialkg/trial/NCT03529110"
    with pytest.raises(ValueError):
        iris.trial("NCT123")


def test_label_variants_are_one_node() -> None:
    assert iris.organization("Daiichi Sankyo, Inc.") == iris.organization("DAIICHI SANKYO INC")
    assert iris.condition("Breast Cancer") == iris.condition("breast  cancer")
    assert iris.country("Türkiye") == iris.country("Turkiye")
    assert iris.person("Chau Dang, MD") == iris.person("Chau Dang")


def test_same_city_name_in_two_states_is_two_cities() -> None:
    a = iris.city("Springfield", "Illinois", "United States")
    b = iris.city("Springfield", "Massachusetts", "United States")
    assert a != b


def test_long_labels_stay_distinct_and_iri_safe() -> None:
    a, b = "x" * 200 + "a", "x" * 200 + "b"
    assert iris.slug(a) != iris.slug(b)
    assert len(iris.slug(a)) <= 80
    assert iris.slug("Hôpital (Saint-Louis) / AP-HP") == "hopital-saint-louis-ap-hp"


def test_source_graph_depends_on_source_and_record() -> None:
    g = iris.source_graph("/data/a.json", "NCT03529110")
    assert g == iris.source_graph("/data/a.json", "NCT03529110")
    assert g != iris.source_graph("/data/b.xml", "NCT03529110")
    assert "NCT03529110" in g.value
