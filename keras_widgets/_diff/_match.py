"""Which layer of model A is which layer of model B.

Layers are matched scope by scope (the model's own layers, then the layers of each pair of
matched nested models), in three steps:

1. **Names.** A name that is unique in both scopes, on layers of the same class, and not one
   Keras makes up (``dense_7``), pairs the two layers wherever they are.
2. **Structure.** The rest are aligned in topological order, between the name anchors that
   keep their order (a longest increasing subsequence, as in patience diff). The alignment
   is a longest common subsequence weighted by similarity: only layers of the same class
   pair; equal names, equal configs, equal output shapes and equal parameter counts weigh
   more. So ``dense_3``/``dense_7`` of two builds of one model pair by position.
3. **Large gaps** (more than ``DP_CELLS`` pairs to score) are first cut by
   :class:`difflib.SequenceMatcher` on exact (class, config) signatures, then by class.

A layer of A without partner is *removed*, one of B *added*. Layers of a removed nested
model are removed with it.
"""

from __future__ import annotations

import bisect
import difflib
import itertools
from collections import Counter
from typing import NamedTuple

from keras_widgets._diff._snapshot import ModelSnapshot, config_key, is_auto_name

DP_CELLS = 250_000  # above this many (a, b) pairs a gap is cut with difflib first


class Item(NamedTuple):
    """One node of a scope, with what the alignment compares."""

    id: str
    name: str
    class_name: str
    group: bool
    auto: bool
    config: str
    shape: str
    params: int | None


class Match(NamedTuple):
    a: str
    b: str
    by: str  # "name" or "structure"


def _scopes(snap: ModelSnapshot) -> dict[str | None, list[Item]]:
    out: dict[str | None, list[Item]] = {}
    for n in snap.graph["nodes"]:
        item = Item(
            n["id"],
            n["name"],
            n["class_name"],
            bool(n["group"]),
            is_auto_name(n["name"], n["class_name"]),
            config_key(snap.configs[n["id"]]),
            repr(n["output_shape"]),
            n["params"],
        )
        out.setdefault(n["parent"], []).append(item)
    return out


def match(a: ModelSnapshot, b: ModelSnapshot) -> list[Match]:
    """Pairs of matched node ids (A, B), parents before their children."""
    scopes_a, scopes_b = _scopes(a), _scopes(b)
    result: list[Match] = []
    todo: list[tuple[str | None, str | None]] = [(None, None)]
    while todo:
        pa, pb = todo.pop(0)
        pairs = match_scope(scopes_a.get(pa, []), scopes_b.get(pb, []))
        result.extend(pairs)
        todo.extend((m.a, m.b) for m in pairs if m.a in scopes_a or m.b in scopes_b)
    return result


def match_scope(a: list[Item], b: list[Item]) -> list[Match]:
    """Matches between the layers of one scope of A and of B (see the module docstring)."""
    pos_a = {x.id: i for i, x in enumerate(a)}
    pos_b = {x.id: i for i, x in enumerate(b)}
    count_a = Counter(x.name for x in a)
    count_b = Counter(x.name for x in b)
    by_name_b = {x.name: x for x in b if count_b[x.name] == 1}
    anchors: list[Match] = []
    for x in a:
        y = by_name_b.get(x.name)
        if (
            y is not None
            and count_a[x.name] == 1
            and not x.auto
            and x.class_name == y.class_name
            and x.group == y.group
        ):
            anchors.append(Match(x.id, y.id, "name"))
    # Anchors in order on both sides cut the sequences into gaps aligned one by one.
    chain = _increasing([(pos_a[m.a], pos_b[m.b]) for m in anchors])
    used_a = {m.a for m in anchors}
    used_b = {m.b for m in anchors}
    result = list(anchors)
    bounds = [(-1, -1), *chain, (len(a), len(b))]
    for (a0, b0), (a1, b1) in itertools.pairwise(bounds):
        gap_a = [x for x in a[a0 + 1 : a1] if x.id not in used_a]
        gap_b = [y for y in b[b0 + 1 : b1] if y.id not in used_b]
        if gap_a and gap_b:
            for x, y in align(gap_a, gap_b):
                result.append(Match(x.id, y.id, "name" if x.name == y.name else "structure"))
    return result


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Longest chain of pairs increasing in both coordinates (patience sorting)."""
    pairs = sorted(pairs)
    tails: list[int] = []  # smallest b ending a chain of each length
    tail_idx: list[int] = []
    prev: list[int] = [-1] * len(pairs)
    for i, (_, pb) in enumerate(pairs):
        k = bisect.bisect_left(tails, pb)
        if k == len(tails):
            tails.append(pb)
            tail_idx.append(i)
        else:
            tails[k] = pb
            tail_idx[k] = i
        prev[i] = tail_idx[k - 1] if k else -1
    out = []
    i = tail_idx[-1] if tail_idx else -1
    while i >= 0:
        out.append(pairs[i])
        i = prev[i]
    return out[::-1]


def score(x: Item, y: Item) -> int:
    """How alike two layers are; 0 means they cannot pair (different class or nesting)."""
    if x.class_name != y.class_name or x.group != y.group:
        return 0
    return (
        2
        + 4 * (x.name == y.name)
        + 2 * (x.config == y.config)
        + (x.shape == y.shape)
        + (x.params == y.params)
    )


def align(a: list[Item], b: list[Item]) -> list[tuple[Item, Item]]:
    """Order-keeping pairs of ``a`` and ``b`` with the largest total :func:`score`."""
    if len(a) * len(b) <= DP_CELLS:
        return _dp(a, b)
    for key in (lambda x: (x.class_name, x.group, x.config), lambda x: (x.class_name, x.group)):
        sm = difflib.SequenceMatcher(None, [key(x) for x in a], [key(y) for y in b], False)
        blocks = sm.get_matching_blocks()
        if len(blocks) > 1:
            out: list[tuple[Item, Item]] = []
            i = j = 0
            for bi, bj, size in blocks:
                if bi > i and bj > j:
                    out.extend(align(a[i:bi], b[j:bj]))
                out.extend(zip(a[bi : bi + size], b[bj : bj + size], strict=True))
                i, j = bi + size, bj + size
            return out
    return []  # nothing in common at all


def _dp(a: list[Item], b: list[Item]) -> list[tuple[Item, Item]]:
    n, m = len(a), len(b)
    s = [[score(x, y) for y in b] for x in a]
    best = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        row, below, si = best[i], best[i + 1], s[i]
        for j in range(m - 1, -1, -1):
            v = below[j] if below[j] >= row[j + 1] else row[j + 1]
            if si[j] and si[j] + below[j + 1] > v:
                v = si[j] + below[j + 1]
            row[j] = v
    out = []
    i = j = 0
    while i < n and j < m:
        if s[i][j] and best[i][j] == s[i][j] + best[i + 1][j + 1]:
            out.append((a[i], b[j]))
            i += 1
            j += 1
        elif best[i][j] == best[i + 1][j]:
            i += 1
        else:
            j += 1
    return out
