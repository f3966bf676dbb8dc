"""Schema drift in API v2 study JSON: keys at paths that no real v2 record has had."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

__all__ = ["FIELDS", "known_paths", "unknown", "warning"]

FIELDS = Path(__file__).with_name("v2_fields.txt")
_LISTED = 5  # paths named in the warning; the rest are counted

# path -> (its known child keys, and for the children that hold objects: key -> (object path, list-item path))
_Table = dict[str, tuple[frozenset[str], dict[str, tuple[str, str]]]]
_NOTHING: tuple[frozenset[str], dict[str, tuple[str, str]]] = (frozenset(), {})


@lru_cache(maxsize=1)
def known_paths() -> frozenset[str]:
    """The shipped known v2 field paths (``a.b``, list items as ``a[].b``)."""
    lines = FIELDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@lru_cache(maxsize=1)
def _table() -> _Table:
    children: dict[str, set[str]] = {}
    for path in known_paths():
        parent, _, key = path.rpartition(".")
        children.setdefault(parent, set()).add(key)
    table: _Table = {}
    for parent, keys in children.items():
        paths = {key: f"{parent}.{key}" if parent else key for key in keys}
        # Descend only where the API has objects: below "path" (an object) or "path[]" (a list of them).
        nested = {k: (p, f"{p}[]") for k, p in paths.items() if p in children or f"{p}[]" in children}
        table[parent] = (frozenset(keys), nested)
    return table


def unknown(study: dict[str, Any]) -> list[str]:
    """Sorted paths of the keys in ``study`` that the known v2 fields lack; their contents are not descended."""
    table, found = _table(), set[str]()
    # All objects at one path are checked together (their keys in one C-level union and one subset test), so a
    # results table of thousands of cells costs a loop over its rows, not a Python call per cell.
    todo: list[tuple[str, list[dict[str, Any]]]] = [("", [study])]
    while todo:
        path, nodes = todo.pop()
        keys, nested = table.get(path, _NOTHING)
        seen = nodes[0].keys() if len(nodes) == 1 else set().union(*nodes)
        if not seen <= keys:
            found.update(f"{path}.{k}" if path else k for k in seen - keys)
        for key in nested.keys() & seen:  # only the objects this record has
            objects: list[dict[str, Any]] = []
            items: list[Any] = []
            for node in nodes:
                value = node.get(key)
                if type(value) is dict:
                    objects.append(value)
                elif type(value) is list:
                    items += value
            object_path, item_path = nested[key]
            if objects:
                todo.append((object_path, objects))
            if items:  # a string or number where objects belong has no keys to check
                todo.append((item_path, [i for i in items if type(i) is dict]))
    return sorted(found)


def warning(study: dict[str, Any]) -> str | None:
    """One warning naming the unknown paths of ``study`` (the first few, then how many more), or None."""
    paths = unknown(study)
    if not paths:
        return None
    more = f" … and {len(paths) - _LISTED} more" if len(paths) > _LISTED else ""
    return f"unknown v2 fields (schema drift, not extracted): {', '.join(paths[:_LISTED])}{more}"
