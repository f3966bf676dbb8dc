"""The drug vocabulary: its Turtle file keeps the rules, lookups and mentions work on real records."""

from __future__ import annotations

import json
import re
import time
from collections import defaultdict
from pathlib import Path

import pytest
import rdflib
from rdflib import Literal, URIRef

from conftest import FIXTURES
from trialkg import iris, resources
from trialkg.extract import FORMATS, ctgov_v2
from trialkg.readers import Record, read_paths
from trialkg.vocab import SCHEME, vocabulary

TTL = resources.path("ontology") / "drugs.ttl"
SKOS = rdflib.Namespace("http://www.w3.org/2004/02/skos/core#")
OWL = rdflib.Namespace("http://www.w3.org/2002/07/owl#")
DCT = rdflib.Namespace("http://purl.org/dc/terms/")
RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
ALLOWED_IDS = {
    "http://id.nlm.nih.gov/mesh/": r"[CD]\d+",
    "http://purl.obolibrary.org/obo/NCIT_": r"C\d+",
}
VECTORS = {"aby-025", "ge-226", "fluorodeoxyglucose", "her2 affibody", "anti-her2 vhh1", "adapt6"}


@pytest.fixture(scope="module")
def graph() -> rdflib.Graph:
    return rdflib.Graph().parse(TTL, format="turtle")


def _concepts(g: rdflib.Graph) -> list[URIRef]:
    return sorted(s for s in g.subjects(SKOS.inScheme, URIRef(SCHEME)) if isinstance(s, URIRef))


def _sources(g: rdflib.Graph, node: URIRef, prop: URIRef, target: object) -> list[str]:
    """The dcterms:source of every axiom annotating one statement."""
    return [
        str(src)
        for ax in g.subjects(OWL.annotatedSource, node)
        if (ax, OWL.annotatedProperty, prop) in g and (ax, OWL.annotatedTarget, target) in g
        for src in g.objects(ax, DCT.source)
    ]


def _key(name: str) -> str:
    return iris.normalize(name).replace(" ", "")


# --- the file keeps its rules ----------------------------------------------------------------


def test_every_concept_has_one_lower_case_label_and_the_graphs_iri(graph: rdflib.Graph) -> None:
    concepts = _concepts(graph)
    assert len(concepts) >= 60
    for node in concepts:
        assert (node, RDF_TYPE, SKOS.Concept) in graph
        labels = list(graph.objects(node, SKOS.prefLabel))
        assert len(labels) == 1, node
        label = str(labels[0])
        assert label == label.lower() and label.strip() == label, node
        assert str(node) == iris.drug(label).value  # the graph's drug nodes are these concepts


def test_every_synonym_has_a_documented_source(graph: rdflib.Graph) -> None:
    count = 0
    for node in _concepts(graph):
        for alt in graph.objects(node, SKOS.altLabel):
            sources = _sources(graph, node, SKOS.altLabel, alt)
            assert sources and all(s.strip() for s in sources), f"{node} {alt!r} has no source"
            # A registry record by NCT id, or a public page by its address.
            assert all(re.search(r"ClinicalTrials\.gov NCT\d{8}|https?://", s) for s in sources), (
                sources
            )
            count += 1
    assert count >= 150


def test_external_ids_are_verified_kinds_with_sources(graph: rdflib.Graph) -> None:
    for node in _concepts(graph):
        for target in graph.objects(node, SKOS.exactMatch):
            ns = next((n for n in ALLOWED_IDS if str(target).startswith(n)), None)
            assert ns is not None, f"{node}: exactMatch {target} outside MeSH and NCIt"
            assert re.fullmatch(ALLOWED_IDS[ns], str(target)[len(ns) :]), target
            assert _sources(graph, node, SKOS.exactMatch, target), f"{node} {target} has no source"


def test_parts_of_combinations_are_concepts_with_a_source(graph: rdflib.Graph) -> None:
    concepts = set(_concepts(graph))
    combos = list(graph.subject_objects(DCT.hasPart))
    assert combos
    for node, part in combos:
        assert part in concepts and part != node
        assert _sources(graph, node, DCT.hasPart, part)


def test_one_name_never_stands_for_two_drugs(graph: rdflib.Graph) -> None:
    owner: dict[str, URIRef] = {}
    for node in _concepts(graph):
        for name in (*graph.objects(node, SKOS.prefLabel), *graph.objects(node, SKOS.altLabel)):
            assert owner.setdefault(_key(str(name)), node) == node, (
                f"{name!r}: {owner[_key(str(name))]}, {node}"
            )
    assert vocabulary().clashes == []


def test_vectors_are_marked_and_the_vocabulary_loads_them(graph: rdflib.Graph) -> None:
    voc = vocabulary()
    assert {c.label for c in voc if c.is_vector} == VECTORS
    assert {str(o) for s, o in graph.subject_objects(DCT.type)} == {"vector"}
    trastuzumab = voc.by_label("trastuzumab")
    assert trastuzumab is not None and not trastuzumab.is_vector  # a drug that doubles as a vector
    assert len(voc) == len(_concepts(graph))


def test_concept_fields_come_from_the_file() -> None:
    voc = vocabulary()
    tdxd = voc.by_label("trastuzumab deruxtecan")
    assert tdxd is not None
    assert tdxd.iri == "https://w3id.org/trialkg/drug/trastuzumab-deruxtecan"
    assert {"T-DXd", "DS-8201a", "Enhertu", "fam-trastuzumab deruxtecan-nxki"} <= tdxd.synonyms
    assert "MESH:C000614160" in tdxd.ids  # as NCT03529110 codes it
    phesgo = voc.lookup("Phesgo")
    assert phesgo is not None and phesgo.parts == ("pertuzumab", "trastuzumab")
    assert voc.by_label("carboplatin").ids == ("MESH:D000016190", "MESH:D016190")  # type: ignore[union-attr]


# --- lookups ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "label"),
    [
        ("T-DXd", "trastuzumab deruxtecan"),
        ("DS-8201a", "trastuzumab deruxtecan"),
        ("DS8201a", "trastuzumab deruxtecan"),
        ("Enhertu", "trastuzumab deruxtecan"),
        ("fam-trastuzumab deruxtecan-nxki", "trastuzumab deruxtecan"),
        ("Trastuzumab deruxtecan (T-DXd)", "trastuzumab deruxtecan"),
        ("T-DM1", "trastuzumab emtansine"),
        ("ado-trastuzumab emtansine", "trastuzumab emtansine"),
        ("Kadcyla", "trastuzumab emtansine"),
        ("Kadcyla™", "trastuzumab emtansine"),
        ("Herceptin", "trastuzumab"),
        ("Herceptin®", "trastuzumab"),
        ("Herceptin SC", "trastuzumab"),
        ("Trastuzumab IV", "trastuzumab"),  # NCT03674112
        ("Perjeta", "pertuzumab"),
        ("5-FU", "fluorouracil"),
        ("5FU", "fluorouracil"),
        ("Lapatinib ditosylate", "lapatinib"),
        ("Neratinib tablets", "neratinib"),  # NCT06029816
        ("Afatinib 40 MG", "afatinib"),  # NCT06062823
        ("Cisplatin 75mg/m2", "cisplatin"),  # NCT03058094
        ("Methotrexate for Injection", "methotrexate"),  # NCT04747912
        ("Oral S-1", "tegafur, gimeracil and oteracil"),
        ("pegylated liposomal doxorubicin hydrochloride", "pegylated liposomal doxorubicin"),
        ("Doxorubicin hydrochloride", "doxorubicin"),
        ("Pertuzumab and Trastuzumab FDC SC", "pertuzumab, trastuzumab and hyaluronidase"),
        ("FDG", "fluorodeoxyglucose"),
    ],
)
def test_lookup(name: str, label: str) -> None:
    concept = vocabulary().lookup(name)
    assert concept is not None and concept.label == label


@pytest.mark.parametrize("name", ["Interleukin 2", "Sodium", "Chemotherapy", "HER2 monoclonal antibody",
                                  "Pertuzumab (Herceptin)", "", "ADC", "PD-1 inhibitor"])  # fmt: skip
def test_lookup_refuses(name: str) -> None:
    assert vocabulary().lookup(name) is None


def test_t_dm1_and_t_dxd_are_different_drugs() -> None:
    voc = vocabulary()
    assert voc.lookup("T-DM1") is not voc.lookup("T-DXd")


# --- mentions in text -----------------------------------------------------------------------


def test_every_name_is_found_in_its_own_text() -> None:
    for concept in vocabulary():
        for name in concept.names:
            assert vocabulary().find_all(name) == [(0, len(name), concept)], name


def test_find_all_on_destiny_breast03_interventions() -> None:
    record = json.loads((FIXTURES / "NCT03529110.json").read_text())
    ivs = ctgov_v2.parse(record).interventions
    voc = vocabulary()
    found = [[(i.name[a:b], c.label) for a, b, c in voc.find_all(i.name)] for i in ivs]
    assert found == [
        [("Trastuzumab deruxtecan", "trastuzumab deruxtecan"), ("T-DXd", "trastuzumab deruxtecan")],
        [
            ("Ado-trastuzumab emtansine", "trastuzumab emtansine"),
            ("T-DM1", "trastuzumab emtansine"),
        ],
    ]
    description = ivs[0].description or ""
    assert description.startswith("T-DXd is sterile")
    assert [(a, b, c.label) for a, b, c in voc.find_all(description)] == [
        (0, 5, "trastuzumab deruxtecan")
    ]


def test_find_all_on_seed_pages() -> None:
    voc = vocabulary()
    page = (FIXTURES / "NCT07130344.page.txt").read_text(encoding="utf-8")
    labels = {c.label for _, _, c in voc.find_all(page)}
    assert {"trastuzumab deruxtecan", "fluorodeoxyglucose"} <= labels
    page = (FIXTURES / "NCT06830382.page.txt").read_text(encoding="utf-8")
    hits = voc.find_all(page)
    assert {"trastuzumab deruxtecan", "aby-025"} <= {c.label for _, _, c in hits}
    assert any(page[a:b] == "ABY-025" and page[a - 9 : a] == "[68Ga]Ga-" for a, b, _ in hits)


def _fixture_texts() -> list[str]:
    texts = []
    for item in read_paths([FIXTURES]):
        if isinstance(item, Record):
            study = FORMATS[item.format].parse(item.payload)
            texts += [
                study.brief_title or "",
                study.brief_summary or "",
                study.detailed_description or "",
            ]
            texts += [
                f"{i.name} {i.description or ''} {' '.join(i.other_names)}"
                for i in study.interventions
            ]
    return [t for t in texts if t]


def test_mentions_are_whole_words_that_look_up_to_the_same_drug() -> None:
    voc = vocabulary()
    total = 0
    for text in _fixture_texts():
        last = 0
        for a, b, concept in voc.find_all(text):
            assert a >= last  # ordered and never overlapping
            assert not (a > 0 and text[a - 1].isalnum()) and not (
                b < len(text) and text[b].isalnum()
            )
            assert voc.lookup(text[a:b]) is concept, text[a:b]
            last, total = b, total + 1
    assert total >= 50


@pytest.mark.parametrize("text", ["pretrastuzumab", "Taxotere-like taxanes", "Table S1", "S1 segment",
                                  "5-FUN", "adriamycinol", "TDM-1x", "ADC and PD-1 inhibitors"])  # fmt: skip
def test_no_match_inside_other_words(text: str) -> None:
    hits = [(text[a:b], c.label) for a, b, c in vocabulary().find_all(text)]
    assert hits == ([("Taxotere", "docetaxel")] if text.startswith("Taxotere") else [])


def test_longest_name_wins_and_lists_stay_apart() -> None:
    voc = vocabulary()
    text = "Trastuzumab-MCC-DM1; pertuzumab, trastuzumab, and hyaluronidase-zzxf; trastuzumab-dkst"
    assert [c.label for _, _, c in voc.find_all(text)] == [
        "trastuzumab emtansine", "pertuzumab, trastuzumab and hyaluronidase", "trastuzumab"]  # fmt: skip
    text = "paclitaxel. carboplatin (Paraplatin)"
    assert [c.label for _, _, c in voc.find_all(text)] == [
        "paclitaxel",
        "carboplatin",
        "carboplatin",
    ]


def test_find_all_is_fast() -> None:
    voc = vocabulary()
    texts = _fixture_texts()
    text = " ".join(sorted(texts, key=lambda t: -len(voc.find_all(t))))[:5000]  # drug-dense first
    assert len(text) == 5000 and len(voc.find_all(text)) >= 20
    runs = 200
    start = time.perf_counter()
    for _ in range(runs):
        voc.find_all(text)
    per_call = (time.perf_counter() - start) / runs
    # Well under 1 ms per 100 concepts on a developer machine; the bound leaves room for slow CI.
    assert per_call < 3e-3 * len(voc) / 100, per_call


# --- the sources say what the records say ----------------------------------------------------

_CITED = re.compile(r"ClinicalTrials\.gov (NCT\d{8}) \((.*)\)$")


def _quick_id(record: Record) -> str | None:
    """The NCT id of a record without parsing it, where that is cheap; else None."""
    payload = record.payload
    if isinstance(payload, bytes) and (m := re.search(rb"<nct_id>(NCT\d{8})</nct_id>", payload)):
        return m[1].decode()
    if isinstance(payload, dict):
        nct = payload.get("protocolSection", {}).get("identificationModule", {}).get("nctId")
        return nct if isinstance(nct, str) else payload.get("NCT Number")
    return None


def _record_facts(paths: list[Path], wanted: set[str]) -> dict[str, dict[str, set]]:
    """Intervention names, other names and v2 MeSH codings of the wanted trials' records."""
    facts: dict[str, dict[str, set]] = defaultdict(lambda: defaultdict(set))
    keep = wanted | {None}
    for item in read_paths(paths):
        if not isinstance(item, Record) or _quick_id(item) not in keep:
            continue
        study = FORMATS[item.format].parse(item.payload)
        if study.nct_id in wanted:
            f = facts[study.nct_id]
            f["mesh"] |= set(study.intervention_mesh) if item.format == "ctgov-v2" else set()
            for i in study.interventions:
                f["names"].add(i.name)
                f["pairs"] |= {(i.name, o) for o in i.other_names}
    return facts


def _check_source(source: str, alt: str | None, facts: dict[str, dict[str, set]]) -> None:
    m = _CITED.match(source)
    assert m, source
    nct, detail = m.groups()
    f = facts[nct]
    if mesh := re.match(
        r'derivedSection\.interventionBrowseModule\.meshes: id (\w+), term "([^"]+)"', detail
    ):
        assert (mesh[1], mesh[2]) in f["mesh"], source
        return
    clause, *notes = detail.split(";")
    for note in notes:  # '...; the record codes this drug as MeSH C000718108 "aumolertinib"'
        if coded := re.search(r'MeSH (\w+) "([^"]+)"', note):
            assert (coded[1], coded[2]) in f["mesh"], source
    quoted = re.findall(r'"([^"]+)"', clause.split(":")[0])
    if clause.startswith("intervention name"):
        assert quoted[0] in f["names"], source
    else:
        assert all((quoted[0], other) in f["pairs"] for other in quoted[1:]), source
    if alt is not None:  # the synonym is one of the names the record gives
        names = {_key(q) for q in quoted} | {
            _key(p) for q in quoted for p in re.split(r"[()]", q) if p.strip()
        }
        assert _key(alt) in names, (alt, source)


def _cited(graph: rdflib.Graph) -> list[tuple[str, str | None]]:
    out = []
    for ax in graph.subjects(RDF_TYPE, OWL.Axiom):
        prop, target = graph.value(ax, OWL.annotatedProperty), graph.value(ax, OWL.annotatedTarget)
        for src in graph.objects(ax, DCT.source):
            if str(src).startswith("ClinicalTrials.gov NCT"):
                alt = str(target) if prop == SKOS.altLabel and isinstance(target, Literal) else None
                out.append((str(src), alt))
    return out


def test_sources_citing_fixture_records_say_what_the_records_say(graph: rdflib.Graph) -> None:
    cited = _cited(graph)
    facts = _record_facts([FIXTURES], {_CITED.match(s)[1] for s, _ in cited})  # type: ignore[index]
    checked = [(s, a) for s, a in cited if _CITED.match(s)[1] in facts]  # type: ignore[index]
    assert len(checked) >= 5
    for source, alt in checked:
        _check_source(source, alt, facts)


def test_every_record_source_says_what_the_record_says(graph: rdflib.Graph, shared: Path) -> None:
    cited = _cited(graph)
    assert len(cited) >= 150
    facts = _record_facts([shared / "corpus"], {_CITED.match(s)[1] for s, _ in cited})  # type: ignore[index]
    for source, alt in cited:
        _check_source(source, alt, facts)
