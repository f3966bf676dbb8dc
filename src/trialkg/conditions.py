"""Split a line of space-joined conditions back into registered condition labels."""

from __future__ import annotations

import math
import sys
from collections import Counter
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from .iris import normalize

__all__ = ["Lexicon", "shipped", "shipped_lexicon"]


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


class Lexicon:
    """Condition labels the graph and the corpus know, with how often a word starts or ends one.

    A gap between two words is a cut between labels with a probability that grows with how often
    the word before ends a label and the word after starts one; a segment that is a known label
    earns a bonus. The split with the highest probability wins, so a line stays whole unless the
    evidence for a cut is strong. ``slope``, ``bias`` and ``bonus`` were chosen on the corpus by
    splitting real records' joined conditions (benchmarks/RESULTS.md).
    """

    def __init__(self, labels: Iterable[str] = (), *, slope: float = 1.5, bias: float = -3.0,
                 bonus: float = 4.0) -> None:  # fmt: skip
        self.labels: set[str] = set()
        self.first: Counter[str] = Counter()
        self.last: Counter[str] = Counter()
        self.seen: Counter[str] = Counter()
        self.slope, self.bias, self.bonus = slope, bias, bonus
        self.add(labels)

    def add(self, labels: Iterable[str]) -> None:
        for label in labels:
            norm = normalize(label)
            if not norm or norm in self.labels:
                continue
            self.labels.add(norm)
            words = norm.split()
            self.first[words[0]] += 1
            self.last[words[-1]] += 1
            self.seen.update(set(words))

    def _cut(self, before: str, after: str) -> float:
        """Log-odds that a label ends at ``before`` and the next begins at ``after``."""
        ends = (self.last[before] + 1) / (self.seen[before] + 2)
        starts = (self.first[after] + 1) / (self.seen[after] + 2)
        return self.slope * (_logit(ends) + _logit(starts)) + self.bias

    def split_all(self, lines: list[str]) -> list[str]:
        """Every label of several joined lines, in order."""
        return [label for line in lines for label in self.split(line)]

    def split(self, line: str) -> list[str]:
        """The most likely labels of a joined line; the whole line unless a split is clearly better."""
        tokens = line.split()
        words = [normalize(t) for t in tokens]
        if len(tokens) < 2 or not all(words):
            return [line.strip()] if line.strip() else []
        n = len(tokens)
        # A token may normalize to several words ('HER2-low'): the gap sits between its last word
        # and the next token's first.
        z = [self._cut(words[k].split()[-1], words[k + 1].split()[0]) for k in range(n - 1)]
        cut = [-math.log1p(math.exp(-x)) for x in z]  # log sigmoid
        keep = [-math.log1p(math.exp(x)) for x in z]  # log (1 - sigmoid)
        best: list[tuple[float, int]] = [(0.0, 0)] + [(-math.inf, 0)] * n
        for j in range(1, n + 1):
            for i in range(j):
                score = best[i][0] + sum(keep[i : j - 1]) + (cut[j - 1] if j < n else 0.0)
                if " ".join(" ".join(words[i:j]).split()) in self.labels:
                    score += self.bonus
                if score > best[j][0]:
                    best[j] = (score, i)
        spans, j = [], n
        while j > 0:
            spans.append((best[j][1], j))
            j = best[j][1]
        return [" ".join(tokens[i:j]) for i, j in reversed(spans)]


@lru_cache(maxsize=1)
def shipped_lexicon() -> Lexicon:
    """A lexicon of the shipped labels alone: what a single record can be split with."""
    return Lexicon(shipped())


def shipped() -> list[str]:
    """Condition labels of the real records trialkg was developed on (ClinicalTrials.gov, NLM)."""
    path = Path(__file__).with_name("lexicon") / "conditions.txt"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def main(argv: list[str] | None = None) -> None:
    """``python -m trialkg.conditions PATH...``: print the condition labels of the records under PATH."""
    from .extract import FORMATS
    from .readers import Record, read_paths

    labels: set[str] = set()
    for item in read_paths(argv if argv is not None else sys.argv[1:]):
        if isinstance(item, Record) and not item.format.startswith("page"):
            try:
                study = FORMATS[item.format].parse(item.payload)
            except (ValueError, KeyError, TypeError):
                continue
            if not study.conditions_joined:
                labels.update(c.strip() for c in study.conditions if c.strip())
    sys.stdout.write("".join(f"{label}\n" for label in sorted(labels)))


if __name__ == "__main__":
    main()
