#!/usr/bin/env node
// Bundles the process owners' studio (app/static/studio/*.js: the bpmn-js Modeler with its
// properties panel, this system's own properties and the live checks of bpmn-js-bpmnlint with
// the rules of modeling/bpmnlint-plugin-city/) into app/static/vendor/studio/ with
// esbuild. Run by `make assets` after copy-assets.mjs (which empties app/static/vendor/).
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
console.log("build-studio: app/static/vendor/studio/studio.js");
