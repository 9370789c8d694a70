"""Graph data of the shape ``graph_data()`` gives, made without Keras (for big-graph tests).

A residual stack of Dense-LayerNormalization-Dense-Add blocks, like the Functional models of
the benchmark: 50,000 real Keras layers take minutes to build, the view only needs the data.
"""

from __future__ import annotations

STATUSES = ("same", "changed", "added", "removed")


def residual_graph_data(
    n_layers: int, width: int = 64, measures: bool = False, status: bool = False
) -> dict:
    """``n_layers`` nodes: an input, then blocks x -> Dense -> LN -> Dense -> Add(x, .)."""
    nodes: list[dict] = []
    edges: list[dict] = []
    shape = [None, width]

    def node(name: str, class_name: str, kind: str, params: int) -> str:
        nid = f"n{len(nodes)}"
        n = {
            "id": nid,
            "name": name,
            "class_name": class_name,
            "kind": kind,
            "output_shape": shape,
            "params": params,
            "trainable": True,
            "parent": None,
            "group": False,
            "is_output": False,
            "calls": 1,
            "activation": None,
        }
        if measures:
            macs = params - width if kind == "dense" else 0
            n["measures"] = {
                "macs": macs if kind == "dense" else None,
                "flops": 2 * macs if kind == "dense" else None,
                "params": params,
                "memory": 4 * (params + width),
                "time": None,
            }
        if status:
            n["status"] = STATUSES[len(nodes) % 7 % 4]
        nodes.append(n)
        return nid

    prev = node("input", "InputLayer", "input", 0)
    block = 0
    while len(nodes) < n_layers:
        d1 = node(f"dense_{block}_a", "Dense", "dense", width * width + width)
        ln = node(f"layer_norm_{block}", "LayerNormalization", "normalization", 2 * width)
        d2 = node(f"dense_{block}_b", "Dense", "dense", width * width + width)
        add = node(f"add_{block}", "Add", "merge", 0)
        for s, t in ((prev, d1), (d1, ln), (ln, d2), (d2, add), (prev, add)):
            edges.append({"source": s, "target": t, "shape": shape})
        prev = add
        block += 1
    del nodes[n_layers:]
    keep = {n["id"] for n in nodes}
    edges = [e for e in edges if e["source"] in keep and e["target"] in keep]
    nodes[-1]["is_output"] = True
    params = sum(n["params"] for n in nodes)
    return {
        "model": {
            "name": f"residual_{n_layers}",
            "class_name": "Functional",
            "type": "functional",
            "built": True,
            "params": params,
            "trainable_params": params,
        },
        "nodes": nodes,
        "edges": edges,
        "groups": [],
        "notes": [],
    }
