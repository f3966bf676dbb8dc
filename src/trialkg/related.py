"""Related trials: the similarity index read from the store and saved beside it, lookups, and top k for all."""

from __future__ import annotations

import json
import math
import shutil
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyoxigraph as ox
from scipy import sparse

from . import iris
from .enums import NCT
from .similarity import KINDS, TEXT_WEIGHT, Index, Suggestion, normalized, weights, words
from .store import Store
from .terms import T

__all__ = [
    "KINDS", "TEXT_WEIGHT", "Index", "RelatedError", "Suggestion", "build_index", "features_of",
    "index_path", "invalidate", "load_index", "networkx_graph", "read_index", "save_index", "suggest", "titles",
]  # fmt: skip

# Each kind's links, read inside the record graphs (a tracer's radionuclide from the entities graph).
_OFFICIAL = "tkg:official|tkg:principalInvestigator|tkg:studyDirector|tkg:studyChair"
_REFERENCE = "tkg:reference|tkg:backgroundReference|tkg:resultReference|tkg:derivedReference"
_LINKS: dict[str, str] = {
    "tracer": "GRAPH ?g { ?trial tkg:tracer ?f }",
    "radionuclide": "GRAPH ?g { ?trial tkg:tracer ?t } ?t tkg:radionuclide ?f",
    "vector": "GRAPH ?g { ?trial tkg:tracer ?t } ?t tkg:vector ?f",
    "target": "GRAPH ?g { ?trial tkg:tracer ?t } ?t tkg:molecularTarget ?f",
    "drug": "GRAPH ?g { ?trial tkg:drug ?f }",
    "condition": "GRAPH ?g { ?trial tkg:condition ?f }",
    "mesh": "GRAPH ?g { ?trial tkg:conditionMeshTerm ?f }",
    "sponsor": "GRAPH ?g { ?trial tkg:leadSponsor|tkg:collaborator ?f }",
    "investigator": f"GRAPH ?g {{ ?trial {_OFFICIAL} ?f }}",
    "site": "GRAPH ?g { ?trial tkg:site ?f }",
    "city": "GRAPH ?g { ?trial tkg:site ?s } ?s tkg:city ?f",
    "country": "GRAPH ?g { ?trial tkg:country ?f }",
    "publication": f"GRAPH ?g {{ ?trial {_REFERENCE} ?f }}",
}
_TEXTS = [
    "SELECT ?trial ?text WHERE { GRAPH ?g { ?trial tkg:briefTitle|tkg:officialTitle|tkg:briefSummary ?text } }",
    "SELECT ?trial ?text WHERE { GRAPH ?g { ?trial tkg:keyword ?text } }",
    "SELECT ?trial ?text WHERE { GRAPH ?g { ?trial tkg:condition ?c } ?c rdfs:label ?text }",
    "SELECT ?trial ?text WHERE { GRAPH ?g { ?trial tkg:intervention ?i . ?i rdfs:label ?text } }",
]
_LABELS = f"SELECT ?f (MIN(?l) AS ?label) WHERE {{ GRAPH <{iris.ENTITIES.value}> {{ ?f rdfs:label ?l }} }} GROUP BY ?f"
_TRIALS = "SELECT DISTINCT ?trial WHERE { GRAPH ?g { ?g tkg:describes ?trial } }"


class RelatedError(Exception):
    """A trial to relate that is neither in the store nor a readable record, with the reason."""


def links_of(store: Store) -> Iterable[tuple[str, str, str]]:
    """(trial, kind, neighbour IRI) for every typed neighbour of every trial."""
    for kind, pattern in _LINKS.items():
        for row in store.select("SELECT DISTINCT ?trial ?f WHERE { " + pattern + " }"):
            yield row["trial"], kind, row["f"]


def build_index(store: Store) -> Index:
    """The index of every trial in the store (minutes at registry scale: saved beside the store)."""
    trials = sorted({row["trial"] for row in store.select(_TRIALS)})
    row = {t: i for i, t in enumerate(trials)}
    features: dict[str, int] = {}
    kinds: list[str] = []
    rows, cols = [], []
    for trial, kind, f in links_of(store):
        if trial not in row:
            continue
        if f not in features:
            features[f] = len(features)
            kinds.append(kind)
        rows.append(row[trial])
        cols.append(features[f])
    shape = (len(trials), len(features))
    binary = sparse.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=shape)
    binary.data[:] = 1.0  # a neighbour reached twice (two records of one trial) counts once
    labels = {r["f"]: r["label"] for r in store.select(_LABELS)}
    names = list(features)
    weight = weights(kinds, np.diff(binary.tocsc().indptr), len(trials))
    links = normalized(sparse.csr_matrix(binary.multiply(weight[None, :])))
    vocabulary, idf, text = _text_matrix(store, row)
    return Index(trials, names, kinds, [labels.get(f, f.rsplit("/", 1)[-1]) for f in names], links,
                 vocabulary, idf, text)  # fmt: skip


def _text_matrix(store: Store, row: Mapping[str, int]) -> tuple[list[str], np.ndarray, sparse.csr_matrix]:
    counts: dict[int, Counter[str]] = {}
    for sparql in _TEXTS:
        for hit in store.select(sparql):
            if hit["trial"] in row:
                counts.setdefault(row[hit["trial"]], Counter()).update(words(hit["text"]))
    df: Counter[str] = Counter(w for c in counts.values() for w in c)
    n = max(len(row), 2)
    # A word in one trial links nothing; a word in half of them says nothing.
    vocabulary = sorted(w for w, d in df.items() if 1 < d <= n / 2)
    index = {w: i for i, w in enumerate(vocabulary)}
    idf = np.array([math.log(n / df[w]) for w in vocabulary])
    rows, cols, data = [], [], []
    for r, counted in counts.items():
        for w, k in counted.items():
            if w in index:
                rows.append(r)
                cols.append(index[w])
                data.append((1 + math.log(k)) * idf[index[w]])
    text = sparse.csr_matrix((data, (rows, cols)), shape=(len(row), len(vocabulary)))
    return vocabulary, idf, normalized(text)


def index_path(store_path: str | Path) -> Path:
    """Where a store's related-trials index is kept: beside the store folder, never inside it."""
    return Path(str(store_path).rstrip("/") + ".related")


def invalidate(store_path: str | Path) -> None:
    """Drop a store's index after the store changed: the next lookup builds it afresh."""
    shutil.rmtree(index_path(store_path), ignore_errors=True)


def save_index(index: Index, folder: Path) -> None:
    """The index's matrices (scipy's .npz) and lists (JSON) in one folder."""
    folder.mkdir(parents=True, exist_ok=True)
    sparse.save_npz(folder / "links.npz", index.links)
    sparse.save_npz(folder / "text.npz", index.text)
    np.save(folder / "idf.npy", index.idf)
    lists = {"trials": index.trials, "features": index.features, "kinds": index.kinds, "labels": index.labels,
             "vocabulary": index.vocabulary}  # fmt: skip
    (folder / "index.json").write_text(json.dumps(lists))


def load_index(store: Store) -> Index:
    """The store's saved index, built and saved first if there is none."""
    folder = index_path(store.path)
    if not (folder / "index.json").exists():
        index = build_index(store)
        save_index(index, folder)
        return index
    return read_index(folder)


def read_index(folder: Path) -> Index:
    """An index saved by save_index."""
    lists: dict[str, Any] = json.loads((folder / "index.json").read_text())
    return Index(lists["trials"], lists["features"], lists["kinds"], lists["labels"],
                 sparse.load_npz(folder / "links.npz").tocsr(), lists["vocabulary"], np.load(folder / "idf.npy"),
                 sparse.load_npz(folder / "text.npz").tocsr())  # fmt: skip


def features_of(triples: Iterable[ox.Triple], trial: ox.NamedNode) -> tuple[list[tuple[str, str]], str]:
    """A trial's typed neighbours and text from its record's own statements (a trial not in the store)."""
    triples = list(triples)
    out: dict[ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple, list[ox.Triple]] = {}
    for t in triples:
        out.setdefault(t.subject, []).append(t)
    direct = {T.tracer: "tracer", T.drug: "drug", T.condition: "condition", T.conditionMeshTerm: "mesh",
              T.leadSponsor: "sponsor", T.collaborator: "sponsor", T.site: "site", T.country: "country",
              T.official: "investigator", T.principalInvestigator: "investigator", T.studyDirector: "investigator",
              T.studyChair: "investigator", T.reference: "publication", T.backgroundReference: "publication",
              T.resultReference: "publication", T.derivedReference: "publication"}  # fmt: skip
    second = {(T.tracer, T.radionuclide): "radionuclide", (T.tracer, T.vector): "vector",
              (T.tracer, T.molecularTarget): "target", (T.site, T.city): "city"}  # fmt: skip
    links, texts = [], []
    for t in out.get(trial, []):
        if t.predicate in direct and isinstance(t.object, ox.NamedNode):
            links.append((direct[t.predicate], t.object.value))
            for u in out.get(t.object, []):
                if (t.predicate, u.predicate) in second and isinstance(u.object, ox.NamedNode):
                    links.append((second[(t.predicate, u.predicate)], u.object.value))
        own_text = t.predicate in (T.briefTitle, T.officialTitle, T.briefSummary, T.keyword)
        if own_text and isinstance(t.object, ox.Literal):
            texts.append(t.object.value)
        if t.predicate in (T.condition, T.intervention):
            texts += [u.object.value for u in out.get(t.object, []) if u.predicate.value.endswith("#label")
                      and isinstance(u.object, ox.Literal)]  # fmt: skip
    return links, " ".join(texts)


def networkx_graph(index: Index) -> Any:
    """The trials and their typed neighbours as a networkx graph (node attributes: type, label)."""
    import networkx as nx

    g = nx.Graph()
    g.add_nodes_from((t, {"type": "trial", "label": t.rsplit("/", 1)[-1]}) for t in index.trials)
    g.add_nodes_from((f, {"type": k, "label": lab})
                     for f, k, lab in zip(index.features, index.kinds, index.labels, strict=True))  # fmt: skip
    coo = index.links.tocoo()
    pairs = zip(coo.row.tolist(), coo.col.tolist(), strict=True)
    g.add_edges_from((index.trials[r], index.features[c], {"type": index.kinds[c]}) for r, c in pairs)
    return g


def suggest(store: Store, trial: str, k: int = 10, text_weight: float = TEXT_WEIGHT) -> tuple[str, list[Suggestion]]:
    """The trials most like one given by NCT id (in the store) or as a record file (in the store or not)."""
    index = load_index(store)
    if not NCT.fullmatch(trial):
        path = Path(trial)
        if not path.is_file():
            raise RelatedError(f"{trial}: neither an NCT id (NCT and 8 digits) nor a record file")
        from .build import BuildReport, record_graphs

        report = BuildReport()
        graphs = list(record_graphs([str(path)], report))
        if not graphs:
            reason = report.skipped[0].reason if report.skipped else "no trial record in it"
            raise RelatedError(f"{path}: cannot relate: {reason}")
        _, triples = graphs[0]
        node = next(t.object for t in triples if t.predicate == T.describes)
        assert isinstance(node, ox.NamedNode)
        links, text = features_of(triples, node)
        graph, words_row = index.vectors(links, text)
        return node.value, index.related(graph, words_row, k, exclude=node.value, text_weight=text_weight)
    iri = iris.trial(trial).value
    if iri not in index.row:
        raise RelatedError(f"{trial}: not in the store (give its record file to relate a trial the store lacks)")
    row = index.row[iri]
    return iri, index.related(index.links[row], index.text[row], k, exclude=iri, text_weight=text_weight)


def titles(store: Store, trials: Iterable[str]) -> dict[str, str]:
    """One title per trial (the least where records differ)."""
    sparql = "SELECT ?trial (MIN(?title) AS ?t) WHERE { ?trial rdfs:label ?title } GROUP BY ?trial"
    out = {}
    for trial in trials:
        for row in store.select(sparql, {"trial": ox.NamedNode(trial)}):
            out[trial] = row.get("t", "")
    return out
