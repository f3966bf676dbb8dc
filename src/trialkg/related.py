"""Related trials: shared rare typed neighbours and similar text, scored through sparse indexes, with reasons."""

from __future__ import annotations

import json
import math
import re
import shutil
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyoxigraph as ox
from scipy import sparse

from . import iris
from .store import Store
from .terms import RDF_TYPE, XSD, T

__all__ = [
    "KINDS", "RELATED", "TEXT_WEIGHT", "Index", "RelatedError", "Suggestion", "build_index", "features_of",
    "index_path", "invalidate", "load_index", "networkx_graph", "suggest", "titles", "write_all",
]  # fmt: skip

# Weight of a shared neighbour of each kind, before rarity: the one place to tune what 'alike' means.
# A shared tracer or target says most about an imaging trial; places say least (countries least of all),
# and every weight is further multiplied by the neighbour's rarity, log(trials / trials that have it).
KINDS: dict[str, float] = {
    "tracer": 3.0, "target": 2.5, "vector": 2.5, "publication": 2.5, "drug": 2.0, "radionuclide": 1.0,
    "condition": 1.0, "mesh": 0.8, "investigator": 1.5, "sponsor": 1.0, "site": 0.6, "city": 0.3,
    "country": 0.1,
}  # fmt: skip
TEXT_WEIGHT = 0.3  # share of the text similarity (TF-IDF cosine) in the score; the rest is the neighbours'
CAP = 0.02  # neighbours (and words) of more than this share of trials do not propose candidates
_MIN_CAP = 50
RELATED = iris.derived_graph("related")
_DECIMAL = ox.NamedNode(XSD + "decimal")
_INTEGER = ox.NamedNode(XSD + "integer")
_METHOD = ("cosine over typed neighbours weighted by kind and rarity, blended with a TF-IDF cosine of the "
           "trials' text; candidates from neighbours and words below the cap (trialkg.related)")  # fmt: skip
_WORDING = 0.15  # text similarity from which 'similar wording' is given as a reason

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
_WORD = re.compile(r"[a-z0-9][a-z0-9+]*(?:-[a-z0-9+]+)*")
_STOP = frozenset(
    "a an and are as at be by for from has have in into is it its of on or than that the their this to was were "
    "will with without who which study trial patients patient phase versus vs after before during".split()
)
_REASONS = {
    "tracer": "shared tracer {}", "target": "same target {}", "vector": "same targeting vector {}",
    "radionuclide": "same radionuclide {}", "drug": "shared drug {}", "condition": "shared condition {}",
    "mesh": "same MeSH heading {}", "sponsor": "shared sponsor {}", "investigator": "shared investigator {}",
    "site": "shared site {}", "city": "sites in the same city ({})", "country": "sites in {}",
    "publication": "shared publication {}",
}  # fmt: skip


class RelatedError(Exception):
    """A trial to relate that is neither in the store nor a readable record, with the reason."""


def words(text: str) -> list[str]:
    """Lower-cased word tokens of a text, without stop words and one-letter tokens."""
    return [w for w in _WORD.findall(text.lower()) if len(w) > 1 and w not in _STOP]


@dataclass
class Suggestion:
    """One related trial: its IRI, score, and the shared neighbours and text similarity that earned it."""

    trial: str
    score: float
    reasons: list[str]
    text: float


class Index:
    """Trials × typed neighbours (weighted by kind and rarity) and trials × words (TF-IDF), rows L2-normalized."""

    def __init__(  # noqa: PLR0913
        self, trials: list[str], features: list[str], kinds: list[str], labels: list[str], links: sparse.csr_matrix,
        vocabulary: list[str], idf: np.ndarray, text: sparse.csr_matrix,
    ) -> None:
        self.trials, self.features, self.kinds, self.labels = trials, features, kinds, labels
        self.links, self.text, self.vocabulary, self.idf = links, text, vocabulary, idf
        self.row = {t: i for i, t in enumerate(trials)}
        self.column = {f: i for i, f in enumerate(features)}
        self.word = {w: i for i, w in enumerate(vocabulary)}
        self._links_by_column = links.tocsc()
        self._text_by_column = text.tocsc()
        self.cap = max(_MIN_CAP, int(CAP * len(trials)))
        self.df = np.diff(self._links_by_column.indptr)
        self.word_df = np.diff(self._text_by_column.indptr)

    def vectors(self, links: Iterable[tuple[str, str]], text: str) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        """A trial given as its (kind, neighbour IRI) links and its text, as rows of this index's two matrices."""
        weights = self.weights()
        cols = sorted({self.column[f] for _, f in links if f in self.column})
        graph = _row(cols, [weights[c] for c in cols], len(self.features))
        counts = Counter(self.word[w] for w in words(text) if w in self.word)
        terms = sorted(counts)
        return graph, _row(terms, [(1 + math.log(counts[t])) * self.idf[t] for t in terms], len(self.vocabulary))

    def weights(self) -> np.ndarray:
        """Each neighbour's weight: its kind's weight times its rarity."""
        return _weights(self.kinds, self.df, len(self.trials))

    def related(self, graph: sparse.csr_matrix, text: sparse.csr_matrix, k: int = 10, *,
                exclude: str | None = None, text_weight: float = TEXT_WEIGHT) -> list[Suggestion]:  # fmt: skip
        """The ``k`` best trials for a trial given as its two rows (see vectors)."""
        candidates = self._candidates(graph, text)
        if exclude in self.row:
            candidates.discard(self.row[exclude])
        if not candidates:
            return []
        rows = np.fromiter(candidates, dtype=np.int64)
        g = (self.links[rows] @ graph.T).toarray().ravel()
        t = (self.text[rows] @ text.T).toarray().ravel()
        score = (1 - text_weight) * g + text_weight * t
        best = rows[np.argsort(-score, kind="stable")][:k]
        order = {r: i for i, r in enumerate(rows)}
        out = []
        for r in best:
            i = order[r]
            if score[i] > 0:
                why = self.reasons(graph, r) + ([f"similar wording ({t[i]:.2f})"] if t[i] >= _WORDING else [])
                out.append(Suggestion(self.trials[r], float(score[i]), why, float(t[i])))
        return out

    def _candidates(self, graph: sparse.csr_matrix, text: sparse.csr_matrix) -> set[int]:
        """Trials that share a neighbour or a word below the cap: never a scan of all trials."""
        found: set[int] = set()
        for matrix, df, row in ((self._links_by_column, self.df, graph), (self._text_by_column, self.word_df, text)):
            cols = [c for c in row.indices if df[c] <= self.cap]
            if cols:
                found.update(matrix[:, cols].indices.tolist())
        return found

    def reasons(self, graph: sparse.csr_matrix, row: int, limit: int = 4) -> list[str]:
        """The shared neighbours that weigh most in a pair's score, in words."""
        theirs = self.links[row]
        mine = dict(zip(graph.indices.tolist(), graph.data.tolist(), strict=True))
        shared = [(mine[c] * w, c) for c, w in zip(theirs.indices.tolist(), theirs.data.tolist(), strict=True)
                  if c in mine]  # fmt: skip
        shared.sort(reverse=True)
        return [_REASONS[self.kinds[c]].format(self.labels[c]) for _, c in shared[:limit]]

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        sparse.save_npz(folder / "links.npz", self.links)
        sparse.save_npz(folder / "text.npz", self.text)
        np.save(folder / "idf.npy", self.idf)
        lists = {"trials": self.trials, "features": self.features, "kinds": self.kinds, "labels": self.labels,
                 "vocabulary": self.vocabulary}  # fmt: skip
        (folder / "index.json").write_text(json.dumps(lists))


def _row(cols: list[int], values: Iterable[float], width: int) -> sparse.csr_matrix:
    data = np.array(list(values), dtype=np.float64)
    norm = float(np.linalg.norm(data)) or 1.0
    return sparse.csr_matrix((data / norm, cols, [0, len(cols)]), shape=(1, width))


def _normalized(m: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1 / norms) @ m)


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
    weights = _weights(kinds, np.diff(binary.tocsc().indptr), len(trials))
    links = _normalized(sparse.csr_matrix(binary.multiply(weights[None, :])))
    vocabulary, idf, text = _text_matrix(store, row)
    return Index(trials, names, kinds, [labels.get(f, f.rsplit("/", 1)[-1]) for f in names], links,
                 vocabulary, idf, text)  # fmt: skip


def _weights(kinds: list[str], df: np.ndarray, trials: int) -> np.ndarray:
    """Each neighbour's weight: its kind's weight times its rarity, log(trials / trials that have it)."""
    return np.array([KINDS[k] for k in kinds]) * np.log(max(trials, 2) / np.maximum(df, 1))


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
    return vocabulary, idf, _normalized(text)


def index_path(store_path: str | Path) -> Path:
    """Where a store's related-trials index is kept: beside the store folder, never inside it."""
    return Path(str(store_path).rstrip("/") + ".related")


def invalidate(store_path: str | Path) -> None:
    """Drop a store's index after the store changed: the next lookup builds it afresh."""
    shutil.rmtree(index_path(store_path), ignore_errors=True)


def load_index(store: Store) -> Index:
    """The store's saved index, built and saved first if there is none."""
    folder = index_path(store.path)
    if not (folder / "index.json").exists():
        index = build_index(store)
        index.save(folder)
        return index
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
    if not re.fullmatch(r"NCT\d{8}", trial):
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


def write_all(
    store: Store, k: int = 10, text_weight: float = TEXT_WEIGHT, progress: Any = None
) -> tuple[int, int, list[Any]]:
    """The top ``k`` suggestions of every trial into their own graph (replaced whole), with the method and its
    parameters as the graph's provenance; returns the trials, the suggestions written and what the shapes found."""
    from .derive import check, describe

    index = load_index(store)
    parameters = {"k": k, "text_weight": text_weight, "cap": CAP, "kinds": KINDS}
    store.remove([RELATED])
    batch = describe(RELATED, f"the {k} trials most like each trial", _METHOD, parameters)
    written, results = 0, []
    for row, trial in enumerate(index.trials):
        node = ox.NamedNode(trial)
        found = index.related(index.links[row], index.text[row], k, exclude=trial, text_weight=text_weight)
        for rank, s in enumerate(found, 1):
            other = ox.NamedNode(s.trial)
            it = iris.suggestion(node, other)
            batch += [
                ox.Triple(it, RDF_TYPE, T.Suggestion),
                ox.Triple(it, T.suggestedFor, node),
                ox.Triple(it, T.suggestedTrial, other),
                ox.Triple(it, T.rank, ox.Literal(str(rank), datatype=_INTEGER)),
                ox.Triple(it, T.score, ox.Literal(f"{min(s.score, 1.0):.4f}", datatype=_DECIMAL)),
                *(ox.Triple(it, T.reason, ox.Literal(r)) for r in s.reasons),
            ]
        written += len(found)
        if len(batch) >= 100_000:  # a slice at a time: memory stays flat however many trials
            results += check(batch)
            store.add(RELATED, batch)
            batch = []
        if progress is not None:
            progress(1)
    results += check(batch)
    store.add(RELATED, batch)
    store.optimize()
    return len(index.trials), written, results
