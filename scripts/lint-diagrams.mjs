#!/usr/bin/env node
// Lints BPMN files with the studio's live checks (app/static/studio/lint-config.js) in Node and
// prints {file: [{rule, id, message, category}]} as JSON. Usage:
//   node scripts/lint-diagrams.mjs [--roles roles.json] [--forms forms.json] file.bpmn...
// Used by tests/engine/test_studio_lint_rules.py to keep these rules in agreement with the server.
import { readFileSync } from 'node:fs';
import { BpmnModdle } from 'bpmn-moddle';
import { Linter } from 'bpmnlint';
import { lintConfig } from '../app/static/studio/lint-config.js';
import spiffworkflow from '../app/static/studio/spiffworkflow-moddle.js';

const args = process.argv.slice(2);
const option = (name) => {
  const at = args.indexOf(name);
  if (at < 0) { return null; }
  const [, value] = args.splice(at, 2);
  return JSON.parse(readFileSync(value, 'utf8'));
};
const roles = option('--roles');
const forms = option('--forms');
const out = {};
for (const file of args) {
  const moddle = new BpmnModdle({ spiffworkflow });
  const { rootElement } = await moddle.fromXML(readFileSync(file, 'utf8'));
  const results = await new Linter(lintConfig({ roles, forms })).lint(rootElement);
  out[file] = Object.entries(results).flatMap(([rule, reports]) =>
    reports.map((r) => ({ rule, id: r.id, message: r.message, category: r.category })));
}
process.stdout.write(JSON.stringify(out));
