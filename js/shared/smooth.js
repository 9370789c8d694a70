// Curve helpers shared by the Plotly front-ends (LivePlot, runs).

/** Debiased exponential moving average (TensorBoard style); NaN leaves a gap. */
export function smooth(y, alpha) {
  if (!(alpha > 0)) return y;
  const out = new Array(y.length);
  let last = 0;
  let weight = 0;
  for (let i = 0; i < y.length; i++) {
    const v = y[i];
    if (!Number.isFinite(v)) {
      out[i] = NaN;
      continue;
    }
    last = last * alpha + (1 - alpha) * v;
    weight = weight * alpha + (1 - alpha);
    out[i] = last / weight;
  }
  return out;
}

/** A Float64Array from a binary buffer of a widget message (DataView, ArrayBuffer or bytes). */
export function f64(b) {
  if (!b) return null;
  if (b instanceof Float64Array) return b;
  const view = b instanceof DataView ? b : new DataView(b.buffer || b);
  // copy: the view's offset is not necessarily 8-byte aligned
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength).slice();
  return new Float64Array(bytes.buffer);
}

/** Short number format: 4 significant digits, no trailing zeros. */
export function fmt(v, digits = 4) {
  if (v === null || v === undefined || v === "") return "";
  if (typeof v !== "number") return String(v);
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  return Number(v).toPrecision(digits).replace(/\.?0+(e|$)/, "$1");
}
