#!/usr/bin/env node
// Copies the browser files the templates use from node_modules/ into
// app/static/vendor/ (gitignored). Run by `make assets` after `npm ci`.
// Plain Node 20 ESM, no dependencies. The target folder is rebuilt from
// scratch on every run, so running it again is always safe.

import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const nm = join(root, "node_modules");
const vendor = join(root, "app", "static", "vendor");

// [source inside node_modules, destination inside app/static/vendor]
// Directories are copied whole. Relative url(...) references inside the CSS
// keep working because each CSS file keeps its position relative to the files
// it points at (vazirmatn: fonts/webfonts/*.woff2; bpmn-font: ../font/*).
const copies = [
  // Bootstrap 5.3 (RTL for Persian, LTR for English) + bundle with Popper
  ["bootstrap/dist/css/bootstrap.rtl.min.css", "bootstrap/bootstrap.rtl.min.css"],
  ["bootstrap/dist/css/bootstrap.rtl.min.css.map", "bootstrap/bootstrap.rtl.min.css.map"],
  ["bootstrap/dist/css/bootstrap.min.css", "bootstrap/bootstrap.min.css"],
  ["bootstrap/dist/css/bootstrap.min.css.map", "bootstrap/bootstrap.min.css.map"],
  ["bootstrap/dist/js/bootstrap.bundle.min.js", "bootstrap/bootstrap.bundle.min.js"],
  ["bootstrap/dist/js/bootstrap.bundle.min.js.map", "bootstrap/bootstrap.bundle.min.js.map"],
  ["bootstrap/LICENSE", "bootstrap/LICENSE"],

  // Vazirmatn web font (static weights + variable), CSS refers to fonts/webfonts/
  ["vazirmatn/Vazirmatn-font-face.css", "vazirmatn/Vazirmatn-font-face.css"],
  ["vazirmatn/Vazirmatn-Variable-font-face.css", "vazirmatn/Vazirmatn-Variable-font-face.css"],
  ["vazirmatn/fonts/webfonts", "vazirmatn/fonts/webfonts"],
  ["vazirmatn/OFL.txt", "vazirmatn/OFL.txt"],

  // bpmn-js 18.x: the navigated viewer (pan/zoom) of the process, instance and replay pages.
  // The studio's modeler is bundled from the package's sources by build-studio.mjs.
  ["bpmn-js/dist/bpmn-navigated-viewer.production.min.js", "bpmn-js/bpmn-navigated-viewer.production.min.js"],
  ["bpmn-js/dist/assets", "bpmn-js/assets"], // diagram-js.css, bpmn-js.css, bpmn-font/{css,font}
  ["bpmn-js/LICENSE", "bpmn-js/LICENSE"],

  // form-js 1.x: the editor's UMD bundle (global FormEditor) and its CSS; task pages render
  // forms on the server (formjs/), so no viewer bundle
  ["@bpmn-io/form-js/dist/form-editor.umd.js", "form-js/form-editor.umd.js"],
  ["@bpmn-io/form-js/dist/assets/form-js.css", "form-js/assets/form-js.css"],
  ["@bpmn-io/form-js/dist/assets/form-js-base.css", "form-js/assets/form-js-base.css"],
  ["@bpmn-io/form-js/dist/assets/form-js-editor.css", "form-js/assets/form-js-editor.css"],
  ["@bpmn-io/form-js/dist/assets/form-js-editor-base.css", "form-js/assets/form-js-editor-base.css"],
  ["@bpmn-io/form-js/dist/assets/properties-panel.css", "form-js/assets/properties-panel.css"],
  ["@bpmn-io/form-js/dist/assets/draggle.css", "form-js/assets/draggle.css"],
  ["@bpmn-io/form-js/dist/assets/flatpickr", "form-js/assets/flatpickr"],
  ["@bpmn-io/form-js/LICENSE", "form-js/LICENSE"],

  // Leaflet 1.9: the portal's map for placing a request's point (tile server URL is a setting)
  ["leaflet/dist/leaflet.js", "leaflet/leaflet.js"],
  ["leaflet/dist/leaflet.css", "leaflet/leaflet.css"],
  ["leaflet/dist/images", "leaflet/images"],
  ["leaflet/LICENSE", "leaflet/LICENSE"],
];

if (!existsSync(nm)) {
  console.error("copy-assets: node_modules/ is missing; run `npm ci` (or `make assets`) first.");
  process.exit(1);
}

const missing = copies.filter(([src]) => !existsSync(join(nm, src)));
if (missing.length) {
  console.error("copy-assets: these files are missing from node_modules (package versions changed?):");
  for (const [src] of missing) console.error("  node_modules/" + src);
  process.exit(1);
}

rmSync(vendor, { recursive: true, force: true });
mkdirSync(vendor, { recursive: true });

let files = 0;
const count = (p) => {
  if (statSync(p).isDirectory()) {
    for (const e of readdirSync(p)) count(join(p, e));
  } else {
    files += 1;
  }
};

for (const [src, dest] of copies) {
  const to = join(vendor, dest);
  mkdirSync(dirname(to), { recursive: true });
  cpSync(join(nm, src), to, { recursive: true });
  count(to);
}

console.log(`copy-assets: ${files} files into ${relative(root, vendor)}/`);
