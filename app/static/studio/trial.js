// The studio's "Try it" panel (app/templates/studio/_trial.html): start the diagram as drawn
// with start data, fill the open task's form (drawn by the server with the task pages'
// renderer), complete it or fire a waiting timer, and see the path taken on the diagram
// (a marker on every element passed, a badge with its pass count, open tasks and a failing
// element marked apart). The endpoints are app/studio/trial_views.py; nothing is stored.
const DONE = 'studio-trial-done';
const ACTIVE = 'studio-trial-active';
const FAILED = 'studio-trial-failed';
const OVERLAY = 'studio-trial';

export default function attachTrial(modeler, studio) {
  const configEl = document.getElementById('studio-trial-config');
  const panel = document.querySelector('[data-testid=trial-panel]');
  if (!configEl || !panel) { return null; }
  return new TrialPanel(modeler, studio, JSON.parse(configEl.textContent), panel);
}

class TrialPanel {
  constructor(modeler, studio, config, panel) {
    this.modeler = modeler;
    this.studio = studio;
    this.config = config;
    this.labels = config.labels;
    this.el = (name) => panel.querySelector(`[data-testid=trial-${name}]`);
    this.token = null;
    this.marked = [];
    this.el('start').addEventListener('click', () => this.start());
    this.el('reset').addEventListener('click', () => this.reset());
  }

  async start() {
    let data;
    try {
      data = JSON.parse(this.el('start-data').value.trim() || '{}');
    } catch (err) {
      this._status(this.labels.badJson, 'danger');
      return;
    }
    await this._send(this.config.urls.start, { xml: await this.studio.xml(), data });
  }

  async complete(task, form) {
    const pairs = [];
    new FormData(form).forEach((value, name) => { if (typeof value === 'string') { pairs.push([name, value]); } });
    await this._send(this.config.urls.step, {
      xml: await this.studio.xml(), token: this.token, task_id: task.id, form_key: task.form_key || '',
      form: pairs,
    }, form);
  }

  // A dynamic list's "add a row" / "remove this row": the server draws the form again.
  async rows(task, form, fields, action) {
    const pairs = [];
    new FormData(form).forEach((value, name) => { if (typeof value === 'string') { pairs.push([name, value]); } });
    pairs.push(['_rows', action]);
    const response = await fetch(this.config.urls.rows, {
      method: 'POST', credentials: 'same-origin',
      body: JSON.stringify({ form_key: task.form_key || '', form: pairs }),
      headers: { 'Content-Type': 'application/json', Accept: 'application/json',
        'X-CSRFToken': this.studio.config.csrfToken },
    });
    const body = await response.json().catch(() => null);
    if (response.ok && body && body.form_html) {
      fields.innerHTML = body.form_html; // drawn by the server's renderer, values escaped
    } else {
      this._status((body && body.error) || `HTTP ${response.status}`, 'danger');
    }
  }

  async fire(timer) {
    await this._send(this.config.urls.timer, { xml: await this.studio.xml(), token: this.token, timer_id: timer.id });
  }

  reset() {
    this.token = null;
    this._clearMarks();
    this.el('tasks').replaceChildren();
    this.el('timers').replaceChildren();
    this.el('problem').hidden = true;
    this.el('data-box').hidden = true;
    this.el('reset').hidden = true;
    this._status('', 'muted');
    document.body.dataset.trial = 'idle';
  }

  async _send(url, payload, form) {
    document.body.dataset.trial = 'busy';
    let response;
    let body = null;
    try {
      response = await fetch(url, {
        method: 'POST', credentials: 'same-origin', body: JSON.stringify(payload),
        headers: { 'Content-Type': 'application/json', Accept: 'application/json',
          'X-CSRFToken': this.studio.config.csrfToken },
      });
      body = await response.json();
    } catch (err) {
      this._status(`${this.labels.request} ${err.message || err}`, 'danger');
      document.body.dataset.trial = 'failed';
      return;
    }
    if (!response.ok) {
      if (body && Array.isArray(body.problems)) { this.studio.problems.show(body.problems); }
      if (form && body && body.errors) { this._fieldErrors(form, body.errors); }
      this._status(form && body && body.errors && Object.keys(body.errors).length
        ? `${body.error} ${this.labels.fixFields}` : (body && body.error) || `HTTP ${response.status}`, 'danger');
      document.body.dataset.trial = 'refused';
      return;
    }
    this._show(body);
  }

  _show(body) {
    this.token = body.token || null; // a failed start leaves none; a failed step, the state before it
    this.el('reset').hidden = false;
    this._mark(body);
    const problem = this.el('problem');
    problem.hidden = !body.problem;
    problem.textContent = body.problem ? `${this.labels.failed} ${body.problem.message}` : '';
    if (body.problem && body.problem.element_id) { problem.dataset.elementId = body.problem.element_id; }
    this._tasks(body.tasks || []);
    this._timers(body.timers || []);
    this.el('data-box').hidden = false;
    this.el('data').textContent = JSON.stringify(body.data || {}, null, 2);
    const steps = body.steps_text || '';
    const said = body.status === 'completed' ? this.labels.completed
      : body.status === 'error' ? this.labels.failed.replace(/:$/, '')
        : (body.tasks || []).length ? this.labels.waiting : this.labels.waitingEvent;
    this._status(`${said} ${steps}`, body.status === 'error' ? 'danger' : body.status === 'completed' ? 'success' : 'muted');
    document.body.dataset.trial = body.status;
  }

  _tasks(tasks) {
    const box = this.el('tasks');
    box.replaceChildren();
    tasks.forEach((task) => {
      const card = document.createElement('form');
      card.className = 'border rounded p-2 mb-2 studio-trial-task';
      card.dataset.testid = 'trial-task';
      card.dataset.elementId = task.element_id;
      card.noValidate = true;
      const title = document.createElement('div');
      title.className = 'fw-semibold mb-2';
      title.textContent = task.name;
      card.append(title);
      const fields = document.createElement('div');
      if (task.form_html) {
        fields.innerHTML = task.form_html; // drawn by the server's renderer, values escaped
      } else {
        fields.className = 'text-muted mb-2';
        fields.textContent = this.labels.noForm;
      }
      const button = document.createElement('button');
      button.type = 'submit';
      button.className = 'btn btn-sm btn-success';
      button.dataset.testid = 'trial-complete';
      button.textContent = this.labels.complete;
      card.append(fields, button);
      card.addEventListener('submit', (event) => {
        event.preventDefault();
        if (event.submitter && event.submitter.name === '_rows') {
          this.rows(task, card, fields, event.submitter.value);
        } else {
          this.complete(task, card);
        }
      });
      box.append(card);
    });
  }

  _timers(timers) {
    const box = this.el('timers');
    box.replaceChildren();
    timers.forEach((timer) => {
      const row = document.createElement('div');
      row.className = 'd-flex align-items-center gap-2 mb-2';
      const text = document.createElement('span');
      const element = this.modeler.get('elementRegistry').get(timer.element_id);
      const name = (element && element.businessObject.name) || timer.element_id;
      text.textContent = `${name} (${this.labels.due} ${timer.due_display})`;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'btn btn-sm btn-outline-warning';
      button.dataset.testid = 'trial-fire';
      button.dataset.elementId = timer.element_id;
      button.textContent = this.labels.fire;
      button.addEventListener('click', () => this.fire(timer));
      row.append(text, button);
      box.append(row);
    });
  }

  _fieldErrors(form, errors) {
    form.querySelectorAll('.studio-trial-error').forEach((e) => e.remove());
    form.querySelectorAll('.is-invalid').forEach((e) => e.classList.remove('is-invalid'));
    Object.entries(errors).forEach(([name, message]) => {
      const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
      const note = document.createElement('div');
      note.className = 'invalid-feedback d-block studio-trial-error';
      note.dataset.testid = 'trial-field-error';
      note.textContent = message;
      if (input) {
        input.classList.add('is-invalid');
        (input.closest('.formjs-field') || input.parentElement).append(note);
      } else {
        form.prepend(note);
      }
    });
  }

  _clearMarks() {
    const canvas = this.modeler.get('canvas');
    const registry = this.modeler.get('elementRegistry');
    this.marked.forEach(([id, marker]) => { if (registry.get(id)) { canvas.removeMarker(id, marker); } });
    this.modeler.get('overlays').remove({ type: OVERLAY });
    this.marked = [];
  }

  _mark(body) {
    this._clearMarks();
    const canvas = this.modeler.get('canvas');
    const registry = this.modeler.get('elementRegistry');
    const overlays = this.modeler.get('overlays');
    const add = (id, marker) => { if (registry.get(id)) { canvas.addMarker(id, marker); this.marked.push([id, marker]); } };
    const counts = body.counts || {};
    Object.entries(counts).forEach(([id, count]) => {
      if (!registry.get(id)) { return; }
      add(id, DONE);
      const badge = document.createElement('span');
      badge.className = 'studio-trial-badge';
      badge.dataset.elementId = id;
      badge.dataset.testid = 'trial-count';
      badge.title = `${count} ${this.labels.passes}`;
      badge.textContent = String(count);
      overlays.add(id, OVERLAY, { position: { bottom: 10, left: -10 }, html: badge });
    });
    // A flow between two elements passed is drawn as taken.
    registry.filter((e) => e.type === 'bpmn:SequenceFlow').forEach((flow) => {
      if (flow.source && flow.target && counts[flow.source.id] && counts[flow.target.id]) { add(flow.id, DONE); }
    });
    (body.tasks || []).forEach((t) => add(t.element_id, ACTIVE));
    (body.timers || []).forEach((t) => add(t.element_id, ACTIVE));
    if (body.problem && body.problem.element_id) { add(body.problem.element_id, FAILED); }
  }

  _status(text, tone) {
    const status = this.el('status');
    status.textContent = text;
    status.className = `studio-trial-status mb-2 text-${tone}`;
  }
}
