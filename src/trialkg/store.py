"""The embedded, on-disk quad store (Oxigraph): one named graph per source record."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import pyoxigraph as ox

from .terms import SPARQL_PREFIXES, T

__all__ = ["DEFAULT_STORE", "Store", "StoreError", "default_path", "to_term"]

# A file beside the database's own while a build runs (RocksDB leaves files it does not name alone).
_UNFINISHED = "trialkg-build-unfinished"

DEFAULT_STORE = "trialkg-store"


class StoreError(Exception):
    """A store that cannot be opened or used, with a message for a person."""


def default_path() -> Path:
    """``$TRIALKG_STORE`` or ``./trialkg-store``."""
    return Path(os.environ.get("TRIALKG_STORE") or DEFAULT_STORE)


def to_term(value: object) -> ox.NamedNode | ox.Literal:
    """A bound-variable value: IRIs stay IRIs, everything else becomes a literal."""
    if isinstance(value, (ox.NamedNode, ox.Literal)):
        return value
    return ox.Literal(str(value))


class Store:
    """A persistent store; the writer holds the directory's lock, readers open read-only."""

    def __init__(self, path: str | os.PathLike[str], *, read_only: bool = False) -> None:
        self.path = Path(path)
        if read_only and not (self.path / "CURRENT").exists():
            raise StoreError(f"{self.path}: no trialkg store here (run 'trialkg build' first)")
        if not read_only:
            # Never scatter database files into a folder that holds something else.
            if self.path.is_dir() and any(self.path.iterdir()) and not (self.path / "CURRENT").exists():
                raise StoreError(f"{self.path}: folder is not empty and holds no trialkg store")
            try:
                self.path.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StoreError(f"{self.path}: cannot create the store folder: {exc.strerror}") from None
        try:
            self._store = ox.Store.read_only(str(self.path)) if read_only else ox.Store(str(self.path))
        except OSError as exc:
            if "lock" in str(exc).lower():
                raise StoreError(f"{self.path}: the store is in use by another trialkg build") from None
            raise StoreError(f"{self.path}: cannot open store: {exc}") from None

    def content_hash(self, graph: ox.NamedNode) -> str | None:
        """The content hash recorded for a source record's graph, if it is in the store."""
        for quad in self._store.quads_for_pattern(graph, T.contentHash, None, graph):
            if isinstance(quad.object, ox.Literal):
                return quad.object.value
        return None

    def replace(self, graphs: Mapping[ox.NamedNode, list[ox.Triple]]) -> None:
        """Write each record's graph, replacing what an earlier ingest of it left."""
        for graph in graphs:
            if self._store.contains_named_graph(graph):
                self._store.remove_graph(graph)
        # The bulk loader writes sorted files straight to disk: ~10x faster than transactional
        # inserts. Its output is compacted by optimize() at the end of a build.
        self._store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, g) for g, ts in graphs.items() for t in ts)

    def add(self, graph: ox.NamedNode, triples: Iterable[ox.Triple]) -> None:
        """Add statements to one graph, keeping what it holds (a statement already there stays once)."""
        self._store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)

    def load_file(self, file: str | os.PathLike[str], fmt: ox.RdfFormat) -> None:
        """Bulk-load an RDF file as it is (its named graphs kept); a syntax error names the file."""
        try:
            self._store.bulk_load(path=str(file), format=fmt)
        except SyntaxError as exc:
            raise StoreError(f"{file}: not valid {fmt.name}: {exc}") from None
        except OSError as exc:
            raise StoreError(f"{file}: cannot read: {exc.strerror or exc}") from None

    def load_data(self, data: bytes, fmt: ox.RdfFormat) -> None:
        """Bulk-load RDF that trialkg wrote itself (its named graphs kept)."""
        self._store.bulk_load(data, format=fmt)

    def graphs(self) -> Iterator[ox.NamedNode]:
        """Every named graph, in the store's order."""
        return (g for g in self._store.named_graphs() if isinstance(g, ox.NamedNode))

    def has_graph(self, graph: ox.NamedNode) -> bool:
        return bool(self._store.contains_named_graph(graph))

    def pattern(
        self, subject: ox.NamedNode | None, predicate: ox.NamedNode | None, obj: ox.NamedNode | ox.Literal | None
    ) -> Iterator[ox.Quad]:
        """Statements matching a pattern, in any graph."""
        return iter(self._store.quads_for_pattern(subject, predicate, obj, None))

    def has_subject(self, node: ox.NamedNode) -> bool:
        return next(self.pattern(node, None, None), None) is not None

    def default_quads(self) -> Iterator[ox.Quad]:
        """Statements of the default graph (empty in a store trialkg built)."""
        return iter(self._store.quads_for_pattern(None, None, None, ox.DefaultGraph()))

    def quads(self, graph: ox.NamedNode) -> Iterator[ox.Quad]:
        """Every statement of one named graph."""
        return iter(self._store.quads_for_pattern(None, None, None, graph))

    def remove(self, graphs: Iterable[ox.NamedNode]) -> None:
        for graph in graphs:
            if self._store.contains_named_graph(graph):
                self._store.remove_graph(graph)

    def remove_large(self, graph: ox.NamedNode, key: ox.NamedNode, per: int = 2000) -> None:
        """Remove a graph of millions of statements in parts: the nodes that ``key`` links to ``per`` of its
        values at a time, with all their statements. Oxigraph's remove_graph deletes in one transaction,
        which slows down with its size (136 µs a statement for 5 million here, 45 µs in parts)."""
        if not self._store.contains_named_graph(graph):
            return
        # The graph, the key and the values are the store's own IRIs, in N-Triples form from pyoxigraph.
        found = self._store.query(f"SELECT DISTINCT ?v WHERE {{ GRAPH {graph} {{ ?s {key} ?v }} }}")
        assert isinstance(found, ox.QuerySolutions)
        values = [str(row[0]) for row in found]
        for start in range(0, len(values), per):
            # ?v bound first, then each node by index: a VALUES list of the nodes themselves made
            # Oxigraph scan the whole graph once per part.
            part = " ".join(values[start : start + per])
            self._store.update(f"DELETE {{ GRAPH {graph} {{ ?s ?p ?o }} }} WHERE {{ VALUES ?v {{ {part} }} "
                               f"GRAPH {graph} {{ ?s {key} ?v . ?s ?p ?o }} }}")  # fmt: skip
        self._store.remove_graph(graph)

    def remove_unreferenced(self, graph: ox.NamedNode, nodes: Iterable[ox.NamedNode]) -> int:
        """Remove from ``graph`` what it says about each of ``nodes`` that no statement refers to any more,
        then likewise the nodes only those referred to (a site's city); returns the statements removed."""
        removed, todo, seen = 0, set(nodes), set()
        while todo:
            node = todo.pop()
            seen.add(node)
            if next(iter(self._store.quads_for_pattern(None, None, node, None)), None) is not None:
                continue
            said = list(self._store.quads_for_pattern(node, None, None, graph))
            for quad in said:
                self._store.remove(quad)
                if isinstance(quad.object, ox.NamedNode) and quad.object not in seen:
                    todo.add(quad.object)
            removed += len(said)
        return removed

    def query(
        self, sparql: str, bindings: Mapping[str, object] | None = None, *, prefixes: bool = True
    ) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
        """Run SPARQL over the union of all graphs; ``bindings`` are bound as RDF terms."""
        subs: dict[ox.Variable, ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple] = {
            ox.Variable(k): to_term(v) for k, v in (bindings or {}).items()
        }
        try:
            return self._store.query(
                (SPARQL_PREFIXES if prefixes else "") + sparql,
                use_default_graph_as_union=True,
                substitutions=subs,
            )
        except SyntaxError as exc:
            message = str(exc)
            if prefixes:  # point at the user's own lines, not at the prologue trialkg put before them
                shift = SPARQL_PREFIXES.count("\n")
                message = re.sub(r"\bat (\d+):", lambda m: f"at line {int(m.group(1)) - shift}, column ", message)
            raise StoreError(f"SPARQL syntax error: {' '.join(message.split())[:300]}") from None

    def select(self, sparql: str, bindings: Mapping[str, object] | None = None) -> Iterator[dict[str, str]]:
        """Rows of a SELECT as plain dicts of variable name to lexical value (unbound left out)."""
        result = self.query(sparql, bindings)
        assert isinstance(result, ox.QuerySolutions)
        names = [v.value for v in result.variables]
        for row in result:  # a row by position: looking each variable up by name took half the time
            yield {n: term.value for n, term in zip(names, row, strict=True) if term is not None}

    def __len__(self) -> int:
        return len(self._store)

    def named_graph_count(self) -> int:
        return sum(1 for _ in self._store.named_graphs())

    def optimize(self) -> None:
        self._store.optimize()

    def flush(self) -> None:
        self._store.flush()

    @property
    def interrupted(self) -> bool:
        """True when a build of this store started and never finished (killed, or the machine went down)."""
        return (self.path / _UNFINISHED).exists()

    def begin_build(self) -> None:
        """Mark the store as being built until ``end_build``: a build that finds the mark redoes the work
        that follows the records (vocabularies, links, derived graphs, compaction) even if no record changed."""
        (self.path / _UNFINISHED).touch()

    def end_build(self) -> None:
        self._store.flush()
        (self.path / _UNFINISHED).unlink(missing_ok=True)
