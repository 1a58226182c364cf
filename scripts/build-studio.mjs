#!/usr/bin/env node
// Bundles the process owners' studio (app/static/studio/*.js: the bpmn-js Modeler with its
// properties panel, this system's own properties and the live checks of bpmn-js-bpmnlint with
// the rules of modeling/bpmnlint-plugin-city/) into app/static/vendor/studio/ with
// esbuild; and, apart, the decision-table editor (decisions.js: dmn-js with its CSS and fonts)
// into app/static/vendor/studio/decisions.{js,css}. Run by `make assets` after copy-assets.mjs (which empties app/static/vendor/).
import { build } from "esbuild";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
await build({
  entryPoints: [join(root, "app", "static", "studio", "index.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  outfile: join(root, "app", "static", "vendor", "studio", "studio.js"),
  loader: { ".js": "jsx" },
  jsx: "automatic",
  jsxImportSource: "@bpmn-io/properties-panel/preact",
  logLevel: "warning",
});
await build({
  entryPoints: [join(root, "app", "static", "studio", "decisions.js")],
  bundle: true,
  minify: true,
  format: "iife",
  target: ["es2020"],
  outfile: join(root, "app", "static", "vendor", "studio", "decisions.js"),
  // dmn-font's CSS embeds the woff/ttf it needs and names the others (eot, svg) as files.
  loader: { ".eot": "file", ".svg": "file", ".woff": "file", ".woff2": "file", ".ttf": "file" },
  assetNames: "decision-assets/[name]-[hash]",
  logLevel: "warning",
});
console.log("build-studio: app/static/vendor/studio/studio.js, decisions.js");
