// Node colours: by layer kind (the default), or by a cost measure (macs, flops, params, memory,
// time) on a log scale; diff status marks (added / removed / changed / same) go on top.

// kind -> [fill, stroke]
export const COLORS = {
  input: ["#e3f2fd", "#1e88e5"],
  conv: ["#e8f5e9", "#43a047"],
  dense: ["#fff3e0", "#fb8c00"],
  recurrent: ["#f3e5f5", "#8e24aa"],
  attention: ["#fce4ec", "#d81b60"],
  pooling: ["#e0f7fa", "#00acc1"],
  normalization: ["#fffde7", "#c0a000"],
  merge: ["#ffebee", "#e53935"],
  embedding: ["#e8eaf6", "#3949ab"],
  activation: ["#f9fbe7", "#9e9d24"],
  dropout: ["#eceff1", "#78909c"],
  reshape: ["#efebe9", "#8d6e63"],
  model: ["#e0f2f1", "#00897b"],
  op: ["#fafafa", "#9e9e9e"],
  other: ["#f5f5f5", "#616161"],
};

export const MEASURES = ["macs", "flops", "params", "memory", "time"];
export const NO_VALUE = ["#ffffff", "#b0b0b0"];
// Light to strong, so the dark text in the boxes stays readable.
const RAMP = ["#fff7ec", "#fee8c8", "#fdd49e", "#fdbb84", "#fc8d59", "#ef6548"];
const RAMP_STROKE = ["#d9b38c", "#d9a066", "#cc8a33", "#c46a1f", "#b3501a", "#99300f"];

export const STATUS = {
  added: { color: "#2e7d32", mark: "+", label: "added" },
  removed: { color: "#c62828", mark: "−", label: "removed" },
  changed: { color: "#ef6c00", mark: "~", label: "changed" },
  same: { color: "#9e9e9e", mark: "", label: "same" },
};

/** Measures present on at least one node (in the canonical order). */
export function measuresIn(nodes) {
  const found = new Set();
  for (const n of nodes) {
    const m = n.measures;
    if (!m || typeof m !== "object") continue;
    for (const k of MEASURES) if (typeof m[k] === "number" && Number.isFinite(m[k])) found.add(k);
  }
  return MEASURES.filter((k) => found.has(k));
}

export function hasStatus(nodes) {
  return nodes.some((n) => n.status && STATUS[n.status]);
}

function valueOf(n, measure) {
  const v = n.measures && n.measures[measure];
  return typeof v === "number" && Number.isFinite(v) ? v : null;
}

/**
 * A colouring for `mode` ("kind" or a measure): {of(n) -> [fill, stroke], min, max, measure}.
 * Measures use a log scale between the smallest and largest value; nodes without one are white.
 */
export function colouring(nodes, mode) {
  if (!MEASURES.includes(mode)) return { measure: null, of: (n) => COLORS[n.kind] || COLORS.other };
  let min = Infinity;
  let max = -Infinity;
  for (const n of nodes) {
    const v = valueOf(n, mode);
    if (v === null) continue;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const lo = Math.log10(1 + Math.max(0, min));
  const hi = Math.log10(1 + Math.max(0, max));
  const of = (n) => {
    const v = valueOf(n, mode);
    if (v === null) return NO_VALUE;
    const t = hi > lo ? (Math.log10(1 + Math.max(0, v)) - lo) / (hi - lo) : 1;
    const i = Math.max(0, Math.min(RAMP.length - 1, Math.round(t * (RAMP.length - 1))));
    return [RAMP[i], RAMP_STROKE[i]];
  };
  return { measure: mode, of, min: Number.isFinite(min) ? min : null, max: Number.isFinite(max) ? max : null, ramp: RAMP };
}

/** A short figure for a measure: 1.2M, 3.4G; memory in bytes (kB, MB), time in seconds. */
export function fmtMeasure(v, measure) {
  if (v === null || v === undefined) return "n/a";
  if (measure === "time") return v >= 1 ? `${v.toPrecision(3)} s` : v >= 1e-3 ? `${(v * 1e3).toPrecision(3)} ms` : `${(v * 1e6).toPrecision(3)} µs`;
  const units = measure === "memory" ? ["B", "kB", "MB", "GB", "TB"] : ["", "k", "M", "G", "T", "P"];
  let i = 0;
  let x = Math.abs(v);
  while (x >= 1000 && i < units.length - 1) {
    x /= 1000;
    i++;
  }
  const text = i === 0 ? String(Math.round(v * 100) / 100) : `${(Math.sign(v) * x).toPrecision(3)}`;
  return measure === "memory" ? `${text} ${units[i]}` : text + units[i];
}
