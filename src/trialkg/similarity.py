"""How alike two trials are: typed neighbours weighted by kind and rarity, and words, in sparse matrices."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

__all__ = [
    "BUDGET", "CAP", "KINDS", "PRESELECT", "TEXT_WEIGHT", "Index", "Suggestion", "normalized", "weights", "words",
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
# Trials a lookup reads to find candidates: its rarest neighbours and words first, until this many. Without
# it a trial's few hundred words below the cap read most of a large registry, query by query.
BUDGET = 20_000
PRESELECT = 50  # candidates scored again with every neighbour and word
_WORDING = 0.15  # text similarity from which 'similar wording' is given as a reason
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
        self,
        trials: list[str],
        features: list[str],
        kinds: list[str],
        labels: list[str],
        links: sparse.csr_matrix,
        vocabulary: list[str],
        idf: np.ndarray,
        text: sparse.csr_matrix,
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
        self._rare_cache: tuple[Any, ...] | None = None

    def vectors(self, links: Iterable[tuple[str, str]], text: str) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        """A trial given as its (kind, neighbour IRI) links and its text, as rows of this index's two matrices."""
        weight = self.weights()
        cols = sorted({self.column[f] for _, f in links if f in self.column})
        graph = _row(cols, [weight[c] for c in cols], len(self.features))
        counts = Counter(self.word[w] for w in words(text) if w in self.word)
        terms = sorted(counts)
        return graph, _row(terms, [(1 + math.log(counts[t])) * self.idf[t] for t in terms], len(self.vocabulary))

    def weights(self) -> np.ndarray:
        """Each neighbour's weight: its kind's weight times its rarity."""
        return weights(self.kinds, self.df, len(self.trials))

    def related(self, graph: sparse.csr_matrix, text: sparse.csr_matrix, k: int = 10, *,
                exclude: str | None = None, text_weight: float = TEXT_WEIGHT) -> list[Suggestion]:  # fmt: skip
        """The ``k`` best trials for a trial given as its two rows (see vectors)."""
        return self.related_many(graph, text, k, [self.row.get(exclude or "", -1)], text_weight=text_weight)[0]

    def related_many(self, graphs: sparse.csr_matrix, texts: sparse.csr_matrix, k: int, exclude: list[int], *,
                     text_weight: float = TEXT_WEIGHT) -> list[list[Suggestion]]:  # fmt: skip
        """The ``k`` best trials for each of several trials (rows), leaving out row ``exclude[i]`` for the i-th.

        Candidates are the trials that share a neighbour or a word below the cap (one sparse product for
        all the rows, never a scan of all trials), the rarest first and at most BUDGET trials read per row,
        ranked by what those share; the best PRESELECT of them are scored again with every neighbour and
        word, and the best ``k`` of those kept.
        """
        graphs, texts = sparse.csr_matrix(graphs), sparse.csr_matrix(texts)
        graphs.sort_indices()
        texts.sort_indices()
        at, rare = self._rare()
        # One product gives every candidate's rough score: rare neighbours and rare words side by side.
        query = sparse.hstack([(1 - text_weight) * graphs, text_weight * texts], format="csr")
        rough = sparse.csr_matrix(_within(_columns(query, at, rare.shape[0]), np.diff(rare.indptr), BUDGET) @ rare)
        picked = []
        for i in range(graphs.shape[0]):
            lo, hi = rough.indptr[i], rough.indptr[i + 1]
            rows, values = rough.indices[lo:hi], rough.data[lo:hi]
            keep = rows != exclude[i]
            rows, values = rows[keep], values[keep]
            if len(rows) > PRESELECT:
                rows = rows[np.argpartition(-values, PRESELECT)[:PRESELECT]]
            picked.append(np.sort(rows))  # in index order, so that equal scores rank the same way every time
        # Exact scores of every picked pair: the element-wise products of the two trials' rows, whose
        # entries are also what each shared neighbour contributes (the reasons).
        which = np.repeat(np.arange(len(picked)), [len(p) for p in picked])
        other = np.concatenate(picked) if picked else np.zeros(0, dtype=np.int64)
        shared = sparse.csr_matrix(graphs[which].multiply(self.links[other]))
        wording = np.asarray(texts[which].multiply(self.text[other]).sum(axis=1)).ravel()
        score = (1 - text_weight) * np.asarray(shared.sum(axis=1)).ravel() + text_weight * wording
        order = np.lexsort((-score, which))  # by query, best first; ties keep index order (stable)
        starts = np.searchsorted(which[order], np.arange(len(picked)))
        place = np.arange(len(order)) - starts[which[order]]
        best = order[(place < k) & (score[order] > 0)]
        reasons = self._reasons(sparse.csr_matrix(shared[best]))
        out: list[list[Suggestion]] = [[] for _ in picked]
        for pair, why in zip(best.tolist(), reasons, strict=True):
            t = float(wording[pair])
            why += [f"similar wording ({t:.2f})"] if t >= _WORDING else []
            out[which[pair]].append(Suggestion(self.trials[other[pair]], float(score[pair]), why, t))
        return out

    def _rare(self) -> tuple[np.ndarray, sparse.csr_matrix]:
        """Where each neighbour and word column sits among those at or below the cap (-1: above it), and
        those columns' trials, one row per column (neighbours first, then words)."""
        if self._rare_cache is None or self._rare_cache[0] != self.cap:
            graph_cols = np.flatnonzero(self.df <= self.cap)
            text_cols = np.flatnonzero(self.word_df <= self.cap)
            rare = sparse.vstack([self._links_by_column[:, graph_cols].T, self._text_by_column[:, text_cols].T])
            at = np.full(len(self.df) + len(self.word_df), -1, dtype=np.int64)
            at[graph_cols] = np.arange(len(graph_cols))
            at[len(self.df) + text_cols] = len(graph_cols) + np.arange(len(text_cols))
            self._rare_cache = (self.cap, at, sparse.csr_matrix(rare))
        _, at, rare = self._rare_cache
        return at, rare

    def scores(self, graph: sparse.csr_matrix, text: sparse.csr_matrix, trials: list[str], *,
               text_weight: float = TEXT_WEIGHT) -> list[float]:  # fmt: skip
        """The score of given trials (0 for one the index lacks), to re-rank a list rather than search."""
        rows = np.array([self.row.get(t, -1) for t in trials], dtype=np.int64)
        score = np.zeros(len(rows))
        known = rows >= 0
        if known.any():
            g = (self.links[rows[known]] @ graph.T).toarray().ravel()
            t = (self.text[rows[known]] @ text.T).toarray().ravel()
            score[known] = (1 - text_weight) * g + text_weight * t
        return score.tolist()

    def _reasons(self, shared: sparse.csr_matrix, limit: int = 4) -> list[list[str]]:
        """Per pair (a row of element-wise products of two trials' rows), the shared neighbours that weigh
        most in its score, in words; equal weights in column order."""
        row = np.repeat(np.arange(shared.shape[0]), np.diff(shared.indptr))
        order = np.lexsort((shared.indices, -shared.data, row))
        place = np.arange(len(order)) - shared.indptr[row[order]]
        top = order[place < limit]
        out: list[list[str]] = [[] for _ in range(shared.shape[0])]
        for r, c in zip(row[top].tolist(), shared.indices[top].tolist(), strict=True):
            out[r].append(_REASONS[self.kinds[c]].format(self.labels[c]))
        return out


def _columns(m: sparse.csr_matrix, at: np.ndarray, width: int) -> sparse.csr_matrix:
    """``m`` with column c moved to ``at[c]``, and those at -1 left out: a cost in entries, not in columns
    (slicing a row by a million column numbers cost a lookup more than the rest of it)."""
    rows = np.repeat(np.arange(m.shape[0]), np.diff(m.indptr))
    to = at[m.indices]
    keep = to >= 0
    return sparse.csr_matrix((m.data[keep], (rows[keep], to[keep])), shape=(m.shape[0], width))


def _within(query: sparse.csr_matrix, cost: np.ndarray, budget: int) -> sparse.csr_matrix:
    """Each row's entries in order of ``cost`` (fewest trials first, then column), while the cost of those
    before stays under ``budget``: the first is always kept."""
    rows = np.repeat(np.arange(query.shape[0]), np.diff(query.indptr))
    each = cost[query.indices]
    order = np.lexsort((query.indices, each, rows))
    spent = np.cumsum(each[order])
    before = spent - each[order]
    starts = query.indptr[:-1]
    before -= np.concatenate([[0], spent])[starts][rows[order]]  # what the row's earlier entries cost
    keep = order[before < budget]
    kept = sparse.csr_matrix((query.data[keep], (rows[keep], query.indices[keep])), shape=query.shape)
    kept.sort_indices()
    return kept


def _row(cols: list[int], values: Iterable[float], width: int) -> sparse.csr_matrix:
    data = np.array(list(values), dtype=np.float64)
    norm = float(np.linalg.norm(data)) or 1.0
    return sparse.csr_matrix((data / norm, cols, [0, len(cols)]), shape=(1, width))


def normalized(m: sparse.csr_matrix) -> sparse.csr_matrix:
    norms = np.sqrt(np.asarray(m.multiply(m).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.csr_matrix(sparse.diags(1 / norms) @ m)


def weights(kinds: list[str], df: np.ndarray, trials: int) -> np.ndarray:
    """Each neighbour's weight: its kind's weight times its rarity, log(trials / trials that have it)."""
    return np.array([KINDS[k] for k in kinds]) * np.log(max(trials, 2) / np.maximum(df, 1))
