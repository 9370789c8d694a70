// The graph data as Python sends it (keras_widgets/_graph/_columns.py): one JSON text with
// nodes and edges as columns; a column of repeated values is a table plus an index per row.
// The rows are built here in slices (the page gets a turn every SLICE rows) and share the
// table's values, so 50,000 nodes are neither one long task nor 50,000 copies of each shape.
export const FORMAT = "kw-graph-columns-1";
const ABSENT = Symbol("absent");

function reader(col) {
  if (col.fields) {
    const keys = Object.keys(col.fields);
    const reads = keys.map((k) => reader(col.fields[k]));
    const absent = new Set(col.absent || []);
    return (i) => {
      if (absent.size && absent.has(i)) return ABSENT;
      const row = {};
      for (let j = 0; j < keys.length; j++) {
        const v = reads[j](i);
        if (v !== ABSENT) row[keys[j]] = v;
      }
      return row;
    };
  }
  if (col.table) {
    const { table, index } = col;
    return (i) => (index[i] < 0 ? ABSENT : table[index[i]]);
  }
  const values = col.values || [];
  const absent = new Set(col.absent || []);
  return absent.size ? (i) => (absent.has(i) ? ABSENT : values[i]) : (i) => values[i];
}

async function rows(block, slices) {
  if (Array.isArray(block)) return block; // already rows
  const columns = (block && block.columns) || {};
  const keys = Object.keys(columns);
  const reads = keys.map((k) => reader(columns[k]));
  const count = (block && block.count) || 0;
  const out = new Array(count);
  for (let i = 0; i < count; i++) {
    if (slices && (i & 255) === 255 && slices.due) await slices.pause();
    const row = {};
    for (let j = 0; j < keys.length; j++) {
      const v = reads[j](i);
      if (v !== ABSENT) row[keys[j]] = v;
    }
    out[i] = row;
  }
  return out;
}

/**
 * The graph data from the `data` trait: columns (or, from older saved state, rows). With a
 * `slices` (js/shared/slices.js), the rows are built in slices.
 */
export async function decodeGraph(value, slices = null) {
  const data = typeof value === "string" ? JSON.parse(value) : { ...(value || {}) };
  if (data.format === FORMAT) delete data.format;
  if (slices && slices.due) await slices.pause(); // parsing may have used this slice
  data.nodes = await rows(data.nodes || [], slices);
  data.edges = await rows(data.edges || [], slices);
  return data;
}
