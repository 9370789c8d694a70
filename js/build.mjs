// Bundle every front-end under js/<widget>/index.js into keras_widgets/static/<widget>.js.
// `--check` builds in memory and fails when the committed bundles differ (CI proves they match js/).
import { build } from "esbuild";
import { readdirSync, existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "keras_widgets", "static");
const check = process.argv.includes("--check");

const widgets = readdirSync(join(root, "js"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, "js", d.name, "index.js")))
  .map((d) => d.name)
  .sort();

let stale = [];
for (const name of widgets) {
  const result = await build({
    entryPoints: [join(root, "js", name, "index.js")],
    bundle: true,
    format: "esm",
    minify: true,
    target: "es2020",
    // UMD libraries (Plotly) must not register with a page's RequireJS (classic notebook, Colab).
    define: { "define.amd": "false" },
    legalComments: "none",
    write: false,
    outdir,
    logLevel: "warning",
  });
  for (const file of result.outputFiles) {
    const target = join(outdir, file.path.split(/[\\/]/).pop().replace(/^index\./, `${name}.`));
    if (check) {
      const old = existsSync(target) ? readFileSync(target) : null;
      if (!old || Buffer.compare(old, Buffer.from(file.contents)) !== 0) stale.push(target);
    } else {
      mkdirSync(outdir, { recursive: true });
      writeFileSync(target, file.contents);
      console.log(`wrote ${target} (${file.contents.length} bytes)`);
    }
  }
}
if (check) {
  if (stale.length) {
    console.error("Bundles differ from js/ sources; run `npm run build` and commit:\n" + stale.join("\n"));
    process.exit(1);
  }
  console.log(`bundles match sources (${widgets.join(", ")})`);
}
