"""Every trial's top k related trials, ranked in worker processes and written into a graph of their own."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pyoxigraph as ox

from . import iris
from .derive import check, describe
from .related import index_path, load_index, read_index
from .shacl import Result
from .similarity import BUDGET, CAP, KINDS, TEXT_WEIGHT, Index, Suggestion
from .store import Store
from .terms import XSD_DECIMAL, XSD_INTEGER, T

__all__ = ["RELATED", "write_all"]

RELATED = iris.derived_graph("related")
_BLOCK = 256  # trials ranked together in one sparse product
_SAMPLE = 32  # one block of suggestions in this many is checked against the shapes (all come from one code path)
_LOAD = 500_000  # statements per bulk load: memory stays flat however many trials
_METHOD = ("cosine over typed neighbours weighted by kind and rarity, blended with a TF-IDF cosine of the "
           "trials' text; candidates from neighbours and words below the cap (trialkg.related)")  # fmt: skip
# Suggestions are written as N-Quads text: making a pyoxigraph term per statement cost more than the write.
_G, _FOR, _TRIAL, _RANK, _SCORE, _REASON = (str(n) for n in (
    RELATED, T.suggestedFor, T.suggestedTrial, T.rank, T.score, T.reason))  # fmt: skip
_INTEGER, _DECIMAL = str(XSD_INTEGER), str(XSD_DECIMAL)

_worker_index: Index | None = None  # a worker process's own copy of the index, read once


def _start(folder: str) -> None:
    global _worker_index  # noqa: PLW0603 - one index per worker process, read when the process starts
    _worker_index = read_index(Path(folder))


def _rank(task: tuple[int, int, int, float]) -> tuple[str, int, int]:
    start, end, k, text_weight = task
    assert _worker_index is not None
    return _block(_worker_index, start, end, k, text_weight)


def _block(index: Index, start: int, end: int, k: int, text_weight: float) -> tuple[str, int, int]:
    """The N-Quads of trials ``start`` to ``end``'s top ``k``, how many trials and how many suggestions."""
    rows = list(range(start, end))
    found = index.related_many(index.links[rows], index.text[rows], k, rows, text_weight=text_weight)
    text = "".join(_nquads(index.trials[row], best) for row, best in zip(rows, found, strict=True))
    return text, len(rows), sum(map(len, found))


def ranked(index: Index, folder: Path, k: int, text_weight: float, jobs: int) -> Iterator[tuple[str, int, int]]:
    """Every trial's top ``k`` as N-Quads, a block of trials at a time in index order, ranked and written out
    by ``jobs`` processes (a script that calls this needs the ``if __name__ == "__main__":`` guard that
    spawned processes need)."""
    tasks = [(s, min(s + _BLOCK, len(index.trials)), k, text_weight) for s in range(0, len(index.trials), _BLOCK)]
    if jobs < 2 or len(tasks) < 2 * jobs:  # a small store: starting processes would cost more than it saves
        yield from (_block(index, *task) for task in tasks)
        return
    # Spawned, not forked: the parent holds the open store, whose background threads a fork would not copy.
    # An executor, not a Pool: a worker that cannot start fails the run instead of being restarted forever.
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start, initargs=(str(folder),)) as pool:
        yield from pool.map(_rank, tasks)


def _nquads(trial: str, found: list[Suggestion]) -> str:
    node = ox.NamedNode(trial)
    out = []
    for rank, s in enumerate(found, 1):
        it, other = str(iris.suggestion(node, ox.NamedNode(s.trial))), f"<{s.trial}>"
        score = f'"{min(s.score, 1.0):.4f}"^^{_DECIMAL}'
        out.append(f'{it} {_FOR} <{trial}> {_G} .\n{it} {_TRIAL} {other} {_G} .\n'
                   f'{it} {_RANK} "{rank}"^^{_INTEGER} {_G} .\n{it} {_SCORE} {score} {_G} .\n')  # fmt: skip
        if s.reasons:
            out.append(f"{it} {_REASON} {ox.Literal('; '.join(s.reasons))} {_G} .\n")
    return "".join(out)


def write_all(store: Store, k: int = 10, text_weight: float = TEXT_WEIGHT,
              progress: Callable[[int], object] | None = None, jobs: int | None = None,
              ) -> tuple[int, int, list[Result]]:  # fmt: skip
    """The top ``k`` suggestions of every trial into their own graph (replaced whole), with the method and its
    parameters as the graph's provenance; returns the trials, the suggestions written and what the shapes found
    in the graph's node and a sample of the suggestions."""
    index = load_index(store)
    parameters = {"k": k, "text_weight": text_weight, "cap": CAP, "budget": BUDGET, "kinds": KINDS}
    head = describe(RELATED, f"the {k} trials most like each trial", _METHOD, parameters)
    results = check(head)
    store.remove_large(RELATED, T.suggestedFor)
    written, pending, lines = 0, 0, []
    blocks = ranked(index, index_path(store.path), k, text_weight, jobs or os.cpu_count() or 1)
    # The bulk loader releases the GIL: it writes one part while the next is ranked and formatted.
    with ThreadPoolExecutor(1) as loader:
        loading: Future[None] | None = None
        for number, (text, trials, found) in enumerate(blocks):
            if number % _SAMPLE == 0:
                quads = ox.parse(text, ox.RdfFormat.N_QUADS)
                results += check([ox.Triple(q.subject, q.predicate, q.object) for q in quads])
            lines.append(text)
            pending += text.count("\n")
            written += found
            if pending >= _LOAD:
                if loading is not None:
                    loading.result()  # one part in memory at a time
                loading = loader.submit(store.load_data, "".join(lines).encode(), ox.RdfFormat.N_QUADS)
                lines, pending = [], 0
            if progress is not None:
                progress(trials)
        if loading is not None:
            loading.result()
    store.load_data("".join(lines).encode(), ox.RdfFormat.N_QUADS)
    store.add(RELATED, head)
    store.optimize()  # bulk-loaded files left uncompacted slowed every later read of the store
    return len(index.trials), written, results
