// The studio's decision-table editor: dmn-js 17's Modeler (its decision-table view, in
// Persian through decision_translate.js), with the page's actions: save a draft, validate
// (each problem listed beside the table and marked on its rule or cell), deploy, and "try it"
// (one field per input column; the matched rules are marked and the output shown). Bundled by
// scripts/build-studio.mjs into app/static/vendor/studio/decisions.{js,css}; it starts itself
// on the page app/templates/studio/decision_editor.html from the JSON in #decision-config.
// The JSON endpoints are app/studio/decision_views.py. The outcome of each action is left on
// body[data-decision-action] ("ok" / "failed") for the browser tests.
import DmnModeler from 'dmn-js/lib/Modeler';
import 'dmn-js/dist/assets/diagram-js.css';
import 'dmn-js/dist/assets/dmn-js-shared.css';
import 'dmn-js/dist/assets/dmn-js-drd.css';
import 'dmn-js/dist/assets/dmn-js-decision-table.css';
import 'dmn-js/dist/assets/dmn-js-decision-table-controls.css';
import 'dmn-js/dist/assets/dmn-js-literal-expression.css';
import 'dmn-js/dist/assets/dmn-js-boxed-expression.css';
import 'dmn-js/dist/assets/dmn-js-boxed-expression-controls.css';
import 'dmn-js/dist/assets/dmn-font/css/dmn-embedded.css';
import TranslateModule from './decision_translate';

const $ = (name) => document.querySelector(`[data-testid=decision-${name}]`);

// Marks survive the table's re-rendering because they are CSS rules on the ids dmn-js writes
// into the cells (data-element-id on a cell and a rule's index, data-row-id on a rule's cells).
function cssId(id) { return String(id).replace(/["\\]/g, '\\$&'); }

// Counts in the page's digits (Persian on a Persian page).
function digits(value, lang) {
  return lang === 'fa' ? String(value).replace(/[0-9]/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[d]) : String(value);
}

class DecisionEditor {
  constructor(config) {
    this.config = config;
    this.labels = config.labels;
    this.dirty = false;
    this.busy = false;
    this.loaded = false;
    this.problemIds = [];
    this.matchedIds = [];
    this.marks = document.createElement('style');
    document.head.appendChild(this.marks);
    // dmn-js gives each view its own additionalModules (a `common` list would be replaced by
    // them), so the translation goes to every view by name.
    const translated = { additionalModules: [TranslateModule(config.lang)] };
    this.modeler = new DmnModeler({
      container: $('canvas'),
      drd: translated, decisionTable: translated, literalExpression: translated, boxedExpression: translated,
    });
    this.modeler.on('views.changed', () => this._watchActiveViewer());
    this.buttons = { save: $('save'), validate: $('validate'), deploy: $('deploy'), tryIt: $('try') };
    const on = (name, fn) => { if (this.buttons[name]) { this.buttons[name].addEventListener('click', fn); } };
    on('save', () => this.save());
    on('validate', () => this.validate());
    on('deploy', () => this.deploy());
    on('tryIt', () => this.tryIt());
    const tables = $('tables');
    if (tables) { tables.addEventListener('change', () => this._openTable(tables.value)); }
    window.addEventListener('beforeunload', (event) => {
      if (this.dirty && !config.readOnly) { event.preventDefault(); event.returnValue = ''; }
    });
  }

  async load() {
    try {
      const response = await fetch(this.config.urls.source, { credentials: 'same-origin' });
      if (!response.ok) { throw new Error(`HTTP ${response.status}`); }
      const { warnings } = await this.modeler.importXML(await response.text());
      const lost = (warnings || []).filter((w) => /unparsable content|unknown type/i.test(w.message || ''));
      if (lost.length) { throw new Error(lost.map((w) => w.message).join('; ')); }
      const tables = this.modeler.getViews().filter((v) => v.type === 'decisionTable');
      if (!tables.length) { throw new Error(this.labels.noTable); }
      this._listTables(tables);
      await this._openTable(tables[0].element.id);
      this.loaded = true;
      this._setDirty(false);
      this._say('', 'muted');
    } catch (err) {
      this._say(`${this.labels.loadFailed} ${err.message || err}`, 'danger');
    }
    ['save', 'deploy'].forEach((name) => { if (this.buttons[name]) { this.buttons[name].disabled = !this.loaded; } });
    document.body.dataset.decision = this.loaded ? 'ready' : 'failed';
  }

  _listTables(tables) {
    const select = $('tables');
    if (!select) { return; }
    select.replaceChildren(...tables.map((view) => {
      const option = document.createElement('option');
      option.value = view.element.id;
      option.textContent = view.element.name || view.element.id;
      return option;
    }));
    select.hidden = tables.length < 2;
  }

  async _openTable(decisionId) {
    const view = this.modeler.getViews().find((v) => v.type === 'decisionTable' && v.element.id === decisionId);
    if (view) { await this.modeler.open(view); }
    this.decisionId = decisionId;
    this._buildTryFields();
  }

  // Every change of the table (cells, columns, rules, hit policy) is a command of the active
  // view; the try-it fields follow its input columns.
  _watchActiveViewer() {
    const viewer = this.modeler.getActiveViewer();
    if (!viewer || viewer === this.watched) { return; }
    this.watched = viewer;
    viewer.get('eventBus').on('elements.changed', () => {
      this._setDirty(true);
      this._buildTryFields();
    });
    if (this.config.readOnly) {
      const commandStack = viewer.get('commandStack');
      commandStack.canExecute = () => false;
      commandStack.execute = () => {};
    }
  }

  // The input columns of the open table: {id, label, expression, type}.
  inputs() {
    const view = this.modeler.getActiveView();
    const decision = view && view.type === 'decisionTable' ? view.element : null;
    const logic = decision && decision.decisionLogic;
    return ((logic && logic.input) || []).map((input) => ({
      id: input.id,
      label: input.label || (input.inputExpression && input.inputExpression.text) || input.id,
      expression: ((input.inputExpression && input.inputExpression.text) || '').trim(),
      type: (input.inputExpression && input.inputExpression.typeRef) || 'string',
    }));
  }

  // Output name -> its column's label, for the try's result.
  outputLabels() {
    const view = this.modeler.getActiveView();
    const logic = view && view.type === 'decisionTable' ? view.element.decisionLogic : null;
    const labels = {};
    ((logic && logic.output) || []).forEach((output) => {
      if (output.name && output.label && output.label !== output.name) { labels[output.name] = output.label; }
    });
    return labels;
  }

  _buildTryFields() {
    const box = $('try-fields');
    if (!box) { return; }
    const typed = {};
    box.querySelectorAll('[data-input]').forEach((field) => { typed[field.dataset.input] = field.value; });
    box.replaceChildren(...this.inputs().map((input) => {
      const row = document.createElement('div');
      row.className = 'mb-2';
      const label = document.createElement('label');
      label.className = 'form-label small mb-0';
      label.textContent = `${input.label} (${input.expression || '?'}: ${input.type})`;
      let field;
      if (input.type === 'boolean') {
        field = document.createElement('select');
        field.className = 'form-select form-select-sm';
        [['', '—'], ['true', this.labels.yes], ['false', this.labels.no]].forEach(([value, text]) => {
          const option = document.createElement('option');
          option.value = value; option.textContent = text;
          field.appendChild(option);
        });
      } else {
        field = document.createElement('input');
        field.className = 'form-control form-control-sm';
        field.dir = 'ltr';
        if (['integer', 'long', 'double', 'number'].includes(input.type)) { field.inputMode = 'decimal'; }
      }
      field.dataset.input = input.expression;
      field.dataset.type = input.type;
      field.setAttribute('data-testid', `decision-try-input-${input.expression}`);
      field.id = `try-${input.id}`;
      label.htmlFor = field.id;
      if (typed[input.expression] !== undefined) { field.value = typed[input.expression]; }
      row.append(label, field);
      return row;
    }));
  }

  _tryValues() {
    const values = {};
    $('try-fields').querySelectorAll('[data-input]').forEach((field) => {
      if (!field.dataset.input || field.value === '') { return; }
      const text = field.value.trim();
      if (field.dataset.type === 'boolean') { values[field.dataset.input] = text === 'true'; return; }
      if (['integer', 'long', 'double', 'number'].includes(field.dataset.type)) {
        // Persian and Arabic digits typed on a Persian keyboard count as digits.
        const latin = text.replace(/[۰-۹]/g, (d) => '۰۱۲۳۴۵۶۷۸۹'.indexOf(d)).replace(/[٠-٩]/g, (d) => '٠١٢٣٤٥٦٧٨٩'.indexOf(d));
        values[field.dataset.input] = latin !== '' && !Number.isNaN(Number(latin)) ? Number(latin) : text;
        return;
      }
      values[field.dataset.input] = text;
    });
    return values;
  }

  async xml() {
    const { xml } = await this.modeler.saveXML({ format: true });
    return xml;
  }

  save() {
    return this._run(async () => {
      const response = await this._post(this.config.urls.draft, await this.xml());
      const body = await this._json(response);
      if (!response.ok || !body) { return this._failed(response, body); }
      this._setDirty(false);
      const count = this.showProblems(body.problems || []);
      const saved = `${this.labels.saved} (${body.saved_at_display || ''})`;
      this._say(count ? `${saved} ${this.labels.problemsFound.replace('{count}', digits(count, this.config.lang))}` : saved,
        count ? 'warning' : 'success');
      return true;
    });
  }

  validate() {
    return this._run(async () => {
      const response = await this._post(this.config.urls.validate, await this.xml());
      const body = await this._json(response);
      if (!body || !Array.isArray(body.problems)) { return this._failed(response, body); }
      const count = this.showProblems(body.problems);
      this._say(count ? this.labels.problemsFound.replace('{count}', digits(count, this.config.lang)) : this.labels.valid,
        count ? 'danger' : 'success');
      return count === 0;
    });
  }

  deploy() {
    return this._run(async () => {
      const response = await this._post(this.config.urls.deploy, await this.xml());
      const body = await this._json(response);
      if (response.ok && body && body.version !== undefined) {
        this.showProblems([]);
        this._setDirty(false);
        this._say((body.created ? this.labels.deployed : this.labels.unchanged)
          .replace('{version}', body.version_display || body.version), 'success');
        document.body.dataset.deployedVersion = String(body.version);
        return true;
      }
      if (body && Array.isArray(body.problems)) {
        const count = this.showProblems(body.problems);
        this._say(this.labels.deployRefused.replace('{count}', digits(count, this.config.lang)), 'danger');
        return false;
      }
      return this._failed(response, body);
    });
  }

  tryIt() {
    return this._run(async () => {
      const payload = { xml: await this.xml(), decision_id: this.decisionId, inputs: this._tryValues() };
      const response = await fetch(this.config.urls.tryIt, {
        method: 'POST', credentials: 'same-origin', body: JSON.stringify(payload),
        headers: { 'Content-Type': 'application/json', 'X-CSRFToken': this.config.csrfToken, Accept: 'application/json' },
      });
      const body = await this._json(response);
      const result = $('try-result');
      if (!response.ok || !body) {
        this.matchedIds = [];
        this._mark();
        if (body && Array.isArray(body.problems) && body.problems.length) { this.showProblems(body.problems); }
        result.replaceChildren(this._line((body && body.error) || `HTTP ${response.status}`, 'text-danger'));
        return false;
      }
      this.matchedIds = body.matched_rules || [];
      this._mark();
      const lines = [this._line(body.matched_display || '', body.matched_rules.length ? 'text-success' : 'text-warning')];
      lines[0].setAttribute('data-testid', 'decision-try-matched');
      const table = document.createElement('table');
      table.className = 'table table-sm mb-0';
      table.setAttribute('data-testid', 'decision-try-output');
      const labels = this.outputLabels();
      (body.output_rows || []).forEach(([name, value]) => {
        const tr = table.insertRow();
        const th = document.createElement('th');
        th.textContent = labels[name] ? `${labels[name]} (${name})` : name;
        const td = tr.insertCell();
        td.dir = 'auto';
        td.textContent = value;
        tr.prepend(th);
      });
      result.replaceChildren(...lines, table);
      return true;
    });
  }

  // Lists each problem beside the table and marks its element (a rule, a cell, the decision).
  showProblems(problems) {
    const list = $('problems');
    list.replaceChildren(...problems.map((problem) => {
      const item = document.createElement('li');
      item.className = 'list-group-item list-group-item-danger small';
      item.dataset.elementId = problem.element_id || '';
      item.textContent = problem.message;
      if (problem.element_id) { // a click shows the marked rule or cell
        item.classList.add('studio-problem-item');
        item.addEventListener('click', () => {
          const target = document.querySelector(`[data-element-id="${cssId(problem.element_id)}"]`);
          if (target) { target.scrollIntoView({ block: 'nearest', inline: 'nearest' }); }
        });
      }
      if (problem.element_label) {
        const where = document.createElement('div');
        where.className = 'text-muted';
        where.dir = 'ltr';
        where.textContent = problem.element_label;
        item.appendChild(where);
      }
      return item;
    }));
    list.hidden = problems.length === 0;
    this.problemIds = problems.map((p) => p.element_id).filter(Boolean);
    this._mark();
    document.body.dataset.problems = String(problems.length);
    return problems.length;
  }

  _mark() {
    const bad = this.problemIds.map((id) => `[data-element-id="${cssId(id)}"]`);
    const matched = this.matchedIds.map((id) => `[data-row-id="${cssId(id)}"]`);
    this.marks.textContent = [
      bad.length ? `${bad.join(',')} { outline: 3px solid #dc3545 !important; outline-offset: -3px; background-color: #f8d7da !important; }` : '',
      matched.length ? `${matched.join(',')} { background-color: #d1e7dd !important; }` : '',
    ].join('\n');
  }

  async _run(action) {
    if (this.busy) { return false; }
    this.busy = true;
    document.body.dataset.decisionAction = 'busy';
    const buttons = Object.values(this.buttons).filter(Boolean);
    buttons.forEach((b) => { b.disabled = true; });
    try {
      const ok = await action();
      document.body.dataset.decisionAction = ok ? 'ok' : 'failed';
      return ok;
    } catch (err) {
      this._say(`${this.labels.failed} ${err.message || err}`, 'danger');
      document.body.dataset.decisionAction = 'failed';
      return false;
    } finally {
      this.busy = false;
      buttons.forEach((b) => { b.disabled = false; });
      ['save', 'deploy'].forEach((name) => { if (this.buttons[name]) { this.buttons[name].disabled = !this.loaded; } });
    }
  }

  _post(url, xml) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin', body: xml,
      headers: { 'Content-Type': 'application/xml', 'X-CSRFToken': this.config.csrfToken, Accept: 'application/json' },
    });
  }

  async _json(response) {
    try { return await response.json(); } catch (err) { return null; }
  }

  _failed(response, body) {
    this._say(`${this.labels.failed} ${(body && (body.error || body.message)) || `HTTP ${response.status}`}`, 'danger');
    return false;
  }

  _line(text, tone) {
    const line = document.createElement('div');
    line.className = tone;
    line.textContent = text;
    return line;
  }

  _setDirty(dirty) {
    this.dirty = dirty;
    document.body.dataset.dirty = String(dirty);
    const badge = $('unsaved');
    if (badge) { badge.hidden = !dirty || this.config.readOnly; }
  }

  _say(text, tone) {
    const status = $('status');
    status.textContent = text;
    status.className = `text-${tone}`;
  }
}

function start() {
  const holder = document.getElementById('decision-config');
  if (!holder) { return; }
  const config = JSON.parse(holder.textContent);
  config.csrfToken = document.querySelector('meta[name=csrf-token]').content;
  const editor = new DecisionEditor(config);
  window.cityDecisions = editor;
  editor.load();
}

if (document.readyState === 'loading') { document.addEventListener('DOMContentLoaded', start); } else { start(); }
