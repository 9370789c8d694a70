// Bundle every front-end under js/<widget>/index.js into keras_widgets/static/<widget>.js.
// `--check` builds in memory and fails when the committed bundles differ (CI proves they match js/).
//
// Large libraries (LIBRARIES) are not bundled into the widgets: a saved notebook keeps every
// widget's _esm, so each would cost its size per widget. Each library is built once as
// static/<name>.js, which the kernel sends once per page (js/shared/library.js); inside the
// widget bundles its imports resolve to a small shim that reads the loaded library. Each
// widget's default export is wrapped by js/shared/host.js (load libraries, then render).
import { build } from "esbuild";
import { readdirSync, existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "keras_widgets", "static");
const check = process.argv.includes("--check");
const require = createRequire(import.meta.url);

// library name (static/<name>.js, the name the kernel serves) -> npm package
const LIBRARIES = { plotly: "plotly.js-basic-dist-min", dagre: "@dagrejs/dagre" };
const PACKAGES = Object.fromEntries(Object.entries(LIBRARIES).map(([k, v]) => [v, k]));

function exportNames(pkg) {
  // Named exports the shim must offer; a package that cannot load in node (Plotly wants a
  // DOM) offers its default export only.
  try {
    const value = require(pkg);
    return value && typeof value === "object" ? Object.keys(value).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== "default" && k !== "__esModule") : [];
  } catch {
    return [];
  }
}

function shim(name, pkg) {
  const lines = [
    `import { library, needs } from ${JSON.stringify(join(root, "js", "shared", "library.js"))};`,
    `needs.add(${JSON.stringify(name)});`,
    `const lib = () => library(${JSON.stringify(name)});`,
    "const proxy = (get) => new Proxy(function () {}, {",
    "  get: (_, k) => get()[k],",
    "  apply: (_, self, args) => get().apply(self, args),",
    "  construct: (_, args) => new (get())(...args),",
    "});",
    "export default proxy(lib);",
  ];
  for (const key of exportNames(pkg)) lines.push(`export const ${key} = proxy(() => lib()[${JSON.stringify(key)}]);`);
  return lines.join("\n");
}

const libraryShims = {
  name: "keras-widgets-libraries",
  setup(b) {
    const filter = new RegExp(`^(${Object.keys(PACKAGES).map((p) => p.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|")})$`);
    b.onResolve({ filter }, (args) => ({ path: args.path, namespace: "kw-library" }));
    b.onLoad({ filter: /.*/, namespace: "kw-library" }, (args) => ({
      contents: shim(PACKAGES[args.path], args.path),
      resolveDir: root,
      loader: "js",
    }));
  },
};

const options = {
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
};

const widgets = readdirSync(join(root, "js"), { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(root, "js", d.name, "index.js")))
  .map((d) => d.name)
  .sort();

const jobs = [
  // The widget's _esm is a small loader; its view is a library like the others ("<name>-view"),
  // so a saved notebook keeps a few KB of code per widget instead of the whole view.
  ...widgets.map((name) => [
    name,
    {
      stdin: {
        contents: `import { loader } from "./js/shared/host.js";\nexport default loader(${JSON.stringify(`${name}-view`)});`,
        resolveDir: root,
        sourcefile: `${name}.js`,
      },
    },
  ]),
  ...widgets.map((name) => [
    `${name}-view`,
    {
      stdin: {
        contents: [
          `import widget from "./js/${name}/index.js";`,
          'import { liveView } from "./js/shared/host.js";',
          "export default liveView(widget);",
        ].join("\n"),
        resolveDir: root,
        sourcefile: `${name}.js`,
      },
      plugins: [libraryShims],
    },
  ]),
  ...Object.entries(LIBRARIES).map(([name, pkg]) => [
    name,
    {
      stdin: {
        contents: `import lib from ${JSON.stringify(pkg)};\nexport default lib;`,
        resolveDir: root,
        sourcefile: `${name}.js`,
      },
    },
  ]),
];

let stale = [];
for (const [name, extra] of jobs) {
  const result = await build({ ...options, ...extra });
  for (const file of result.outputFiles) {
    const ext = file.path.endsWith(".css") ? "css" : "js";
    const target = join(outdir, `${ext === "css" ? name.replace(/-view$/, "") : name}.${ext}`);
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
  console.log(`bundles match sources (${jobs.map(([n]) => n).join(", ")})`);
}
