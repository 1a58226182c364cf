// The studio page's actions: load the draft (or latest version), save a draft, validate,
// deploy; the problems they report (problems.js); and the warning before leaving with
// changes that were neither saved nor deployed. The JSON endpoints are app/studio/api_views.py.
import ProblemView from './problems';
import TimerView from './timers';

export default class Studio {
  constructor(modeler, { config, problems, status, buttons }) {
    this.modeler = modeler;
    this.config = config;
    this.labels = config.labels;
    this.status = status;
    this.buttons = buttons || {};
    this.problems = new ProblemView(modeler, problems, this.labels);
    this.timers = new TimerView(modeler, problems, this.problems);
    this.dirty = false;
    this.busy = false;
    // Every edit (palette, direct editing, properties panel) goes through the command stack.
    modeler.on('commandStack.changed', () => this._setDirty(true));
    window.addEventListener('beforeunload', (event) => {
      if (this.dirty && !config.readOnly) { event.preventDefault(); event.returnValue = ''; }
    });
    const on = (name, fn) => { if (this.buttons[name]) { this.buttons[name].addEventListener('click', fn); } };
    on('save', () => this.save());
    on('validate', () => this.validate());
    on('deploy', () => this.deploy());
  }

  async load() {
    try {
      const response = await fetch(this.config.urls.source, { credentials: 'same-origin' });
      if (!response.ok) { throw new Error(`HTTP ${response.status}`); }
      await this.modeler.importXML(await response.text());
      this.modeler.get('canvas').zoom('fit-viewport', 'auto');
      this._setDirty(false);
      this.loaded = true;
      this._say('', 'muted');
    } catch (err) {
      this.loaded = false;
      this._say(`${this.labels.loadFailed} ${err.message || err}`, 'danger');
    }
    document.body.dataset.studio = this.loaded ? 'ready' : 'failed';
  }

  async xml() {
    const { xml } = await this.modeler.saveXML({ format: true });
    return xml;
  }

  save() {
    return this._run(async () => {
      const response = await this._post(this.config.urls.draft, await this.xml());
      const body = await this._json(response);
      if (!response.ok) { return this._failed(response, body); }
      this._setDirty(false);
      // A draft may be saved with problems (only a deploy refuses them): show them at once.
      const count = this.problems.show((body && body.problems) || []);
      this.timers.show((body && body.timers) || []);
      const saved = body && body.saved_at_display ? `${this.labels.saved} (${body.saved_at_display})` : this.labels.saved;
      this._say(count ? `${saved} ${this.labels.problemsFound.replace('{count}', count)}` : saved,
        count ? 'warning' : 'success');
      return true;
    });
  }

  validate() {
    return this._run(async () => {
      const response = await this._post(this.config.urls.validate, await this.xml());
      const body = await this._json(response);
      if (!body || !Array.isArray(body.problems)) { return this._failed(response); }
      const count = this.problems.show(body.problems);
      this.timers.show(body.timers || []);
      this._say(count ? this.labels.problemsFound.replace('{count}', count) : this.labels.valid,
        count ? 'danger' : 'success');
      return count === 0;
    });
  }

  deploy() {
    return this._run(async () => {
      const response = await this._post(this.config.urls.deploy, await this.xml());
      const body = await this._json(response);
      if (response.ok && body && body.version !== undefined) {
        this.problems.clear();
        this._setDirty(false);
        this._say((body.created ? this.labels.deployed : this.labels.unchanged)
          .replace('{version}', body.version), 'success');
        document.body.dataset.deployedVersion = String(body.version);
        return true;
      }
      if (body && Array.isArray(body.problems)) {
        const count = this.problems.show(body.problems);
        this._say(this.labels.deployRefused.replace('{count}', count), 'danger');
        return false;
      }
      return this._failed(response, body);
    });
  }

  // One action at a time: the buttons are disabled meanwhile, and the outcome is left on
  // body[data-studio-action] for the browser tests (and anyone scripting the page).
  async _run(action) {
    if (this.busy) { return false; }
    this.busy = true;
    document.body.dataset.studioAction = 'busy';
    Object.values(this.buttons).forEach((b) => { if (b && b.tagName === 'BUTTON') { b.disabled = true; } });
    try {
      const ok = await action();
      document.body.dataset.studioAction = ok ? 'ok' : 'failed';
      return ok;
    } catch (err) {
      this._say(`${this.labels.failed} ${err.message || err}`, 'danger');
      document.body.dataset.studioAction = 'failed';
      return false;
    } finally {
      this.busy = false;
      Object.values(this.buttons).forEach((b) => { if (b && b.tagName === 'BUTTON') { b.disabled = false; } });
    }
  }

  _post(url, xml) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin', body: xml,
      headers: { 'Content-Type': 'application/xml', 'X-CSRFToken': this.config.csrfToken,
        Accept: 'application/json' },
    });
  }

  async _json(response) {
    try { return await response.json(); } catch (err) { return null; }
  }

  async _failed(response, body) {
    const detail = (body && (body.error || body.message)) || `HTTP ${response.status}`;
    this._say(`${this.labels.failed} ${detail}`, 'danger');
    return false;
  }

  _setDirty(dirty) {
    this.dirty = dirty;
    document.body.dataset.dirty = String(dirty);
    if (this.buttons.unsaved) { this.buttons.unsaved.hidden = !dirty || this.config.readOnly; }
  }

  _say(text, tone) {
    if (!this.status) { return; }
    this.status.textContent = text;
    this.status.className = `studio-status text-${tone}`;
  }
}
