"""Which layer of model A is which layer of model B.

Layers are matched scope by scope (the model's own layers, then the layers of each pair of
matched nested models), in these steps:

1. **Names.** A name that is unique in both scopes, on layers of the same class, and not one
   Keras makes up (``dense_7``), pairs the two layers wherever they are.
2. **Structure.** The rest are aligned in topological order, between the name anchors that
   keep their order (a longest increasing subsequence, as in patience diff). The alignment
   is a longest common subsequence weighted by similarity (:func:`score`): only layers of the
   same class pair; equal names, configs, output shapes and parameter counts weigh more, and
   so does the graph neighbourhood (an input or output already matched to the other's). So
   ``dense_3``/``dense_7`` of two builds of one model pair by position.
3. **Moved layers.** What is left on both sides pairs greedily, best score first, when it is
   alike enough (same class, and the same config or an already matched neighbour).
4. **Large gaps** (more than ``DP_CELLS`` pairs to score) first pair their common head and
   tail, then are cut by :class:`difflib.SequenceMatcher` on exact (class, config)
   signatures, then by class.

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
MOVED_SCORE = 4  # a moved layer pairs with: same class (2) + same config or neighbour (2)


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
    inputs: tuple[str, ...] = ()  # ids of the nodes feeding it (graph neighbourhood)
    outputs: tuple[str, ...] = ()


class Match(NamedTuple):
    a: str
    b: str
    by: str  # "name" or "structure"


def _scopes(snap: ModelSnapshot) -> dict[str | None, list[Item]]:
    out: dict[str | None, list[Item]] = {}
    ins: dict[str, list[str]] = {}
    outs: dict[str, list[str]] = {}
    for e in snap.graph["edges"]:
        ins.setdefault(e["target"], []).append(e["source"])
        outs.setdefault(e["source"], []).append(e["target"])
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
            tuple(ins.get(n["id"], ())),
            tuple(outs.get(n["id"], ())),
        )
        out.setdefault(n["parent"], []).append(item)
    return out


def match(a: ModelSnapshot, b: ModelSnapshot) -> list[Match]:
    """Pairs of matched node ids (A, B), parents before their children."""
    scopes_a, scopes_b = _scopes(a), _scopes(b)
    result: list[Match] = []
    partner: dict[str, str] = {}  # A id -> B id, matched so far
    todo: list[tuple[str | None, str | None]] = [(None, None)]
    while todo:
        pa, pb = todo.pop(0)
        pairs = match_scope(scopes_a.get(pa, []), scopes_b.get(pb, []), partner)
        result.extend(pairs)
        partner.update((m.a, m.b) for m in pairs)
        todo.extend((m.a, m.b) for m in pairs if m.a in scopes_a or m.b in scopes_b)
    return result


def match_scope(a: list[Item], b: list[Item], partner: dict[str, str] | None = None) -> list[Match]:
    """Matches between the layers of one scope of A and of B (see the module docstring).

    ``partner`` (A id -> B id) holds matches made already; layers fed by, or feeding,
    partners of each other's neighbours weigh more in the alignment.
    """
    partner = dict(partner or {})
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
    partner.update((m.a, m.b) for m in anchors)

    def scored(x: Item, y: Item) -> int:
        return score(x, y, partner)

    used_a = {m.a for m in anchors}
    used_b = {m.b for m in anchors}
    result = list(anchors)
    bounds = [(-1, -1), *chain, (len(a), len(b))]
    for (a0, b0), (a1, b1) in itertools.pairwise(bounds):
        gap_a = [x for x in a[a0 + 1 : a1] if x.id not in used_a]
        gap_b = [y for y in b[b0 + 1 : b1] if y.id not in used_b]
        if gap_a and gap_b:
            for x, y in align(gap_a, gap_b, scored):
                result.append(Match(x.id, y.id, "name" if x.name == y.name else "structure"))
    # Moved layers (branches swapped, blocks reordered) cannot pair in an order-keeping
    # alignment: pair what is left when it is alike enough (same class and the same config
    # or an already matched neighbour), best first.
    partner.update((m.a, m.b) for m in result)
    left_a = [x for x in a if x.id not in partner]
    matched_b = set(partner.values())
    left_b = [y for y in b if y.id not in matched_b]
    if left_a and left_b and len(left_a) * len(left_b) <= DP_CELLS:
        pairs = sorted(
            ((scored(x, y), i, j) for i, x in enumerate(left_a) for j, y in enumerate(left_b)),
            key=lambda t: (-t[0], t[1], t[2]),
        )
        taken_a: set[int] = set()
        taken_b: set[int] = set()
        for value, i, j in pairs:
            if value < MOVED_SCORE:
                break
            if i in taken_a or j in taken_b:
                continue
            taken_a.add(i)
            taken_b.add(j)
            x, y = left_a[i], left_b[j]
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


def score(x: Item, y: Item, partner: dict[str, str] | None = None) -> int:
    """How alike two layers are; 0 means they cannot pair (different class or nesting).

    Same class: 2, plus 4 for the same name, 2 for the same config, 1 each for the same
    output shape and parameter count, and 2 each when an input (an output) of ``x`` is
    matched to an input (an output) of ``y`` already.
    """
    if x.class_name != y.class_name or x.group != y.group:
        return 0
    value = (
        2
        + 4 * (x.name == y.name)
        + 2 * (x.config == y.config)
        + (x.shape == y.shape)
        + (x.params == y.params)
    )
    if partner:
        value += 2 * any(partner.get(i) in y.inputs for i in x.inputs)
        value += 2 * any(partner.get(o) in y.outputs for o in x.outputs)
    return value


def _key(x: Item) -> tuple:
    return (x.class_name, x.group, x.config)


def align(a: list[Item], b: list[Item], scorer=score) -> list[tuple[Item, Item]]:
    """Order-keeping pairs of ``a`` and ``b`` with the largest total score (``scorer``)."""
    if len(a) * len(b) <= DP_CELLS:
        return _dp(a, b, scorer)
    # Big gap: pair the common head and tail first (models mostly differ locally), as
    # text diffs do; difflib below is quadratic on long runs of equal layers.
    head = 0
    while head < min(len(a), len(b)) and _key(a[head]) == _key(b[head]):
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and _key(a[-1 - tail]) == _key(b[-1 - tail]):
        tail += 1
    if head or tail:
        middle = align(a[head : len(a) - tail], b[head : len(b) - tail], scorer)
        return [
            *zip(a[:head], b[:head], strict=True),
            *middle,
            *zip(a[len(a) - tail :], b[len(b) - tail :], strict=True),
        ]
    for key in (lambda x: (x.class_name, x.group, x.config), lambda x: (x.class_name, x.group)):
        sm = difflib.SequenceMatcher(None, [key(x) for x in a], [key(y) for y in b], False)
        blocks = sm.get_matching_blocks()
        if len(blocks) > 1:
            out: list[tuple[Item, Item]] = []
            i = j = 0
            for bi, bj, size in blocks:
                if bi > i and bj > j:
                    out.extend(align(a[i:bi], b[j:bj], scorer))
                out.extend(zip(a[bi : bi + size], b[bj : bj + size], strict=True))
                i, j = bi + size, bj + size
            return out
    return []  # nothing in common at all


def _dp(a: list[Item], b: list[Item], scorer=score) -> list[tuple[Item, Item]]:
    n, m = len(a), len(b)
    s = [[scorer(x, y) for y in b] for x in a]
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
