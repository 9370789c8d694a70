// Layered layout for big graphs, run in a Web Worker. No recursion anywhere: every walk uses an
// explicit queue or stack, so 50,000 layers cannot overflow the call stack.
//
// Why home-made: measured on residual chains (Dense-LN-Dense-Add blocks) in node 20, dagre 3.1.3
// (longest-path ranker) takes 2.5 s at 1,000 nodes and throws "Maximum call stack size exceeded"
// from 5,000; elkjs 0.11 (layered) takes 8.0 s at 1,000 and throws the same at 10,000.
// Deep nets are mostly linear, so a Sugiyama pipeline cut to its cheap steps does well:
// chain packing -> longest-path ranks (Kahn) -> virtual nodes for long edges -> DFS order +
// barycenter sweeps -> positions by averaging neighbours, separated by left/right packing.
//
// `bigLayout` must stay self-contained (no reference to anything outside its body): the worker
// runs its source text (Function.prototype.toString), so the bundle needs no separate file.

/**
 * inp: {n, w, h: Float64Array(n) box sizes, parent: Int32Array(n) (-1: none; chains never
 * cross a parent), src, dst: Int32Array(E) edges (deduplicated), tb: top-to-bottom?}
 * Returns {x, y: Float64Array(n) box centres, off: Int32Array(E+1), pts: Float64Array (x, y
 * pairs; edge e uses pts[2*off[e] .. 2*off[e+1])), width, height}.
 */
export function bigLayout(inp) {
  const { n, w, h, parent, src, dst, tb } = inp;
  const E = src.length;
  const RANKSEP = 26;
  const NODESEP = 18;
  const CHAIN_GAP = 18;
  const VIRTUAL = 8; // across-size of a virtual node (a long edge passing a rank)
  const MARGIN = 12;
  const along = tb ? h : w;
  const across = tb ? w : h;

  // ---- chains: v -> t where t is v's only successor and v is t's only predecessor ----------
  const outDeg = new Int32Array(n);
  const inDeg = new Int32Array(n);
  const lastOut = new Int32Array(n).fill(-1);
  for (let e = 0; e < E; e++) {
    outDeg[src[e]]++;
    inDeg[dst[e]]++;
    lastOut[src[e]] = dst[e];
  }
  const next = new Int32Array(n).fill(-1);
  const hasPrev = new Uint8Array(n);
  for (let v = 0; v < n; v++) {
    const t = lastOut[v];
    if (outDeg[v] === 1 && t !== v && inDeg[t] === 1 && parent[v] === parent[t]) {
      next[v] = t;
      hasPrev[t] = 1;
    }
  }
  const unit = new Int32Array(n).fill(-1);
  const chainStart = []; // unit -> first member
  const members = []; // flat, chains contiguous
  const unitOff = [0];
  const visit = (v0) => {
    const u = chainStart.length;
    chainStart.push(v0);
    for (let v = v0; v !== -1 && unit[v] === -1; v = next[v]) {
      unit[v] = u;
      members.push(v);
    }
    unitOff.push(members.length);
  };
  for (let v = 0; v < n; v++) if (!hasPrev[v]) visit(v);
  for (let v = 0; v < n; v++) if (unit[v] === -1) visit(v); // chain cycles (never in a DAG)
  const U = chainStart.length;
  const uAlong = new Float64Array(U);
  const uAcross = new Float64Array(U);
  for (let u = 0; u < U; u++) {
    let a = 0;
    let c = 0;
    for (let i = unitOff[u]; i < unitOff[u + 1]; i++) {
      a += along[members[i]];
      c = Math.max(c, across[members[i]]);
    }
    uAlong[u] = a + CHAIN_GAP * (unitOff[u + 1] - unitOff[u] - 1);
    uAcross[u] = c;
  }

  // ---- unit graph (deduplicated) ---------------------------------------------------------
  const seen = new Set();
  const ua = [];
  const ub = [];
  const ueOf = new Int32Array(E).fill(-1);
  const ueIndex = new Map();
  for (let e = 0; e < E; e++) {
    const a = unit[src[e]];
    const b = unit[dst[e]];
    if (a === b) continue;
    const key = a * U + b;
    if (!seen.has(key)) {
      seen.add(key);
      ueIndex.set(key, ua.length);
      ua.push(a);
      ub.push(b);
    }
    ueOf[e] = ueIndex.get(key);
  }
  const UE = ua.length;
  const csr = (count, from, to) => {
    // Compressed adjacency: neighbours of x are adj[start[x] .. start[x + 1]).
    const start = new Int32Array(count + 1);
    for (let i = 0; i < from.length; i++) start[from[i] + 1]++;
    for (let i = 0; i < count; i++) start[i + 1] += start[i];
    const fill = start.slice(0, count);
    const adj = new Int32Array(from.length);
    for (let i = 0; i < from.length; i++) adj[fill[from[i]]++] = to[i];
    return { start, adj };
  };
  const succ = csr(U, ua, ub);
  const pred = csr(U, ub, ua);

  // ---- ranks: longest path from the sources (Kahn), sources pulled down to their users ---
  const rank = new Int32Array(U);
  const indeg = new Int32Array(U);
  for (let i = 0; i < UE; i++) indeg[ub[i]]++;
  const queue = [];
  for (let u = 0; u < U; u++) if (indeg[u] === 0) queue.push(u);
  let done = 0;
  for (let qi = 0; qi < queue.length; qi++) {
    const u = queue[qi];
    done++;
    for (let i = succ.start[u]; i < succ.start[u + 1]; i++) {
      const b = succ.adj[i];
      if (rank[b] < rank[u] + 1) rank[b] = rank[u] + 1;
      if (--indeg[b] === 0) queue.push(b);
    }
  }
  let maxRank = 0;
  for (let u = 0; u < U; u++) maxRank = Math.max(maxRank, rank[u]);
  if (done < U) {
    // A cycle (not possible in a Keras graph): put what is left below, one rank each.
    for (let u = 0; u < U; u++) if (indeg[u] > 0) rank[u] = ++maxRank;
  }
  for (let u = 0; u < U; u++) {
    if (pred.start[u + 1] > pred.start[u] || succ.start[u + 1] === succ.start[u]) continue;
    let m = Infinity;
    for (let i = succ.start[u]; i < succ.start[u + 1]; i++) m = Math.min(m, rank[succ.adj[i]]);
    if (m - 1 > rank[u]) rank[u] = m - 1; // a late extra input sits just above its user
  }

  // ---- virtual nodes for edges spanning ranks; segments join adjacent ranks ---------------
  const nodeRank = Array.from(rank);
  const nodeAcross = Array.from(uAcross);
  const nodeAlong = Array.from(uAlong);
  const vStart = new Int32Array(UE);
  const segA = [];
  const segB = [];
  for (let i = 0; i < UE; i++) {
    const a = ua[i];
    const b = ub[i];
    vStart[i] = nodeRank.length;
    let prev = a;
    for (let r = rank[a] + 1; r < rank[b]; r++) {
      const v = nodeRank.length;
      nodeRank.push(r);
      nodeAcross.push(VIRTUAL);
      nodeAlong.push(0);
      segA.push(prev);
      segB.push(v);
      prev = v;
    }
    if (rank[b] > rank[a]) {
      segA.push(prev);
      segB.push(b);
    }
  }
  const M = nodeRank.length;
  const down = csr(M, segA, segB);
  const up = csr(M, segB, segA);
  const R = maxRank + 1;

  // ---- order within ranks: depth-first walk, then barycenter sweeps -----------------------
  const layers = Array.from({ length: R }, () => []);
  const placed = new Uint8Array(M);
  // Roots are taken in data order (the model's inputs first); each walk goes depth-first.
  const roots = [];
  for (let v = 0; v < M; v++) if (up.start[v + 1] === up.start[v]) roots.push(v);
  const walk = (start) => {
    const st = [start];
    while (st.length) {
      const v = st.pop();
      if (placed[v]) continue;
      placed[v] = 1;
      layers[nodeRank[v]].push(v);
      for (let i = down.start[v + 1] - 1; i >= down.start[v]; i--) if (!placed[down.adj[i]]) st.push(down.adj[i]);
    }
  };
  for (const r of roots) walk(r);
  for (let v = 0; v < M; v++) if (!placed[v]) walk(v);
  const pos = new Float64Array(M); // index within its rank
  const setPos = () => {
    for (const layer of layers) for (let i = 0; i < layer.length; i++) pos[layer[i]] = i;
  };
  setPos();
  const bary = new Float64Array(M);
  const sweep = (adjc, from, to, step) => {
    for (let r = from; r !== to; r += step) {
      const layer = layers[r];
      if (layer.length < 2) continue;
      for (const v of layer) {
        let s = 0;
        let c = 0;
        for (let i = adjc.start[v]; i < adjc.start[v + 1]; i++) {
          s += pos[adjc.adj[i]];
          c++;
        }
        bary[v] = c ? s / c : pos[v];
      }
      layer.sort((a, b) => bary[a] - bary[b] || pos[a] - pos[b]);
      for (let i = 0; i < layer.length; i++) pos[layer[i]] = i;
    }
  };
  for (let it = 0; it < 2; it++) {
    sweep(up, 1, R, 1);
    sweep(down, R - 2, -1, -1);
  }

  // ---- coordinates ------------------------------------------------------------------------
  const rankSize = new Float64Array(R);
  for (let v = 0; v < M; v++) rankSize[nodeRank[v]] = Math.max(rankSize[nodeRank[v]], nodeAlong[v]);
  const rankStart = new Float64Array(R);
  let cursor = MARGIN;
  for (let r = 0; r < R; r++) {
    rankStart[r] = cursor;
    cursor += rankSize[r] + RANKSEP;
  }
  const totalAlong = cursor - RANKSEP + MARGIN;
  const cx = new Float64Array(M); // across coordinate of centres
  const gap = (a, b) => (nodeAcross[a] + nodeAcross[b]) / 2 + (nodeAcross[a] === VIRTUAL || nodeAcross[b] === VIRTUAL ? 8 : NODESEP);
  for (const layer of layers) {
    for (let i = 0; i < layer.length; i++) {
      cx[layer[i]] = i ? cx[layer[i - 1]] + gap(layer[i - 1], layer[i]) : 0;
    }
    const c = layer.length ? cx[layer[layer.length - 1]] / 2 : 0;
    for (const v of layer) cx[v] -= c; // centred on 0
  }
  const want = new Float64Array(M);
  const left = new Float64Array(M);
  const place = (adjc, from, to, step) => {
    for (let r = from; r !== to; r += step) {
      const layer = layers[r];
      const L = layer.length;
      if (!L) continue;
      for (const v of layer) {
        let s = 0;
        let c = 0;
        for (let i = adjc.start[v]; i < adjc.start[v + 1]; i++) {
          s += cx[adjc.adj[i]];
          c++;
        }
        want[v] = c ? s / c : cx[v];
      }
      // Closest to the wishes while keeping order and gaps: the mean of a left-packed and a
      // right-packed placement keeps the gaps of both.
      for (let i = 0; i < L; i++) {
        const v = layer[i];
        left[v] = i ? Math.max(want[v], left[layer[i - 1]] + gap(layer[i - 1], v)) : want[v];
      }
      let right = 0;
      for (let i = L - 1; i >= 0; i--) {
        const v = layer[i];
        right = i < L - 1 ? Math.min(want[v], right - gap(v, layer[i + 1])) : want[v];
        cx[v] = (left[v] + right) / 2;
      }
    }
  };
  place(up, 1, R, 1);
  place(down, R - 2, -1, -1);
  place(up, 1, R, 1);
  let minC = Infinity;
  let maxC = -Infinity;
  for (let v = 0; v < M; v++) {
    minC = Math.min(minC, cx[v] - nodeAcross[v] / 2);
    maxC = Math.max(maxC, cx[v] + nodeAcross[v] / 2);
  }
  if (!M) minC = maxC = 0;
  const shift = MARGIN - minC;
  const totalAcross = maxC - minC + 2 * MARGIN;

  // ---- unpack chains into member boxes ----------------------------------------------------
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const centreAlong = new Float64Array(n);
  const centreAcross = new Float64Array(n);
  for (let u = 0; u < U; u++) {
    const r = rank[u];
    let a = rankStart[r] + (rankSize[r] - uAlong[u]) / 2;
    for (let i = unitOff[u]; i < unitOff[u + 1]; i++) {
      const v = members[i];
      centreAlong[v] = a + along[v] / 2;
      centreAcross[v] = cx[u] + shift;
      a += along[v] + CHAIN_GAP;
    }
  }
  for (let v = 0; v < n; v++) {
    x[v] = tb ? centreAcross[v] : centreAlong[v];
    y[v] = tb ? centreAlong[v] : centreAcross[v];
  }

  // ---- edge routes: leave from the bottom (TB) / right (LR), through the virtual nodes ----
  const off = new Int32Array(E + 1);
  const pts = [];
  const push = (al, ac) => {
    if (tb) pts.push(ac, al);
    else pts.push(al, ac);
  };
  for (let e = 0; e < E; e++) {
    const s = src[e];
    const t = dst[e];
    const sa = centreAlong[s] + along[s] / 2;
    const ta = centreAlong[t] - along[t] / 2;
    const i = ueOf[e];
    if (i < 0 || rank[unit[t]] <= rank[unit[s]]) {
      push(sa, centreAcross[s]);
      push(ta, centreAcross[t]);
    } else {
      const a = ua[i];
      const b = ub[i];
      const count = rank[b] - rank[a] - 1;
      const firstAcross = count ? cx[vStart[i]] + shift : centreAcross[t];
      const lastAcross = count ? cx[vStart[i] + count - 1] + shift : centreAcross[s];
      const clamp = (v, c) => Math.max(centreAcross[v] - across[v] / 2 + 6, Math.min(centreAcross[v] + across[v] / 2 - 6, c));
      push(sa, clamp(s, firstAcross));
      for (let k = 0; k < count; k++) {
        const v = vStart[i] + k;
        const r = nodeRank[v];
        push(rankStart[r] + rankSize[r] / 2, cx[v] + shift);
      }
      push(ta, clamp(t, lastAcross));
    }
    off[e + 1] = pts.length / 2;
  }
  return {
    x,
    y,
    off,
    pts: Float64Array.from(pts),
    width: tb ? totalAcross : totalAlong,
    height: tb ? totalAlong : totalAcross,
  };
}

/** Run `bigLayout` in a Web Worker made from its own source (no separate file to serve). */
export function layoutWorker() {
  const source = `"use strict";const bigLayout=${bigLayout.toString()};
onmessage=(ev)=>{try{const r=bigLayout(ev.data.input);r.id=ev.data.id;postMessage(r,[r.x.buffer,r.y.buffer,r.off.buffer,r.pts.buffer]);}
catch(err){postMessage({id:ev.data.id,error:String(err&&err.stack||err)});}};`;
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  try {
    return new Worker(url);
  } finally {
    // The worker has its script once constructed; the URL is not needed any more.
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }
}
