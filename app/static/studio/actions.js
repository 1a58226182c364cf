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

  // Save and deploy stay disabled until the whole file is imported: a modeler that failed (or
  // dropped content it could not read) would otherwise send back a part of the diagram. The
  // server checks again (X-Studio-Import, X-Studio-Base; app/studio/draft_views.py).
  async load() {
    this.loaded = false;
    this._enableWriting();
    try {
      const response = await fetch(this.config.urls.source, { credentials: 'same-origin' });
      if (!response.ok) { throw new Error(`HTTP ${response.status}`); }
      const text = await response.text();
      const { warnings } = await this.modeler.importXML(text);
      const lost = (warnings || []).filter((w) => /unparsable content|unknown type/i.test(w.message || ''));
      if (lost.length) { throw new Error(lost.map((w) => w.message).join('; ')); }
      this.baseSha = await sha256(text);
      this.modeler.get('canvas').zoom('fit-viewport', 'auto');
      this._setDirty(false);
      this.loaded = true;
      this._say('', 'muted');
    } catch (err) {
      this.loaded = false;
      this._say(`${this.labels.loadFailed} ${err.message || err} ${this.labels.saveDisabled}`, 'danger');
    }
    this._enableWriting();
    document.body.dataset.studio = this.loaded ? 'ready' : 'failed';
  }

  _enableWriting() {
    ['save', 'deploy'].forEach((name) => {
      const button = this.buttons[name];
      if (button) { button.disabled = !this.loaded || this.busy; }
    });
  }

  async xml() {
    const { xml } = await this.modeler.saveXML({ format: true });
    return xml;
  }

  save() {
    return this._run(async () => {
      if (!this.loaded) { return this._refuseUnloaded(); }
      const xml = await this.xml();
      let response = await this._post(this.config.urls.draft, xml, this._saveHeaders());
      let body = await this._json(response);
      // The server refuses a save that lost much of the opened diagram until the user confirms.
      if (response.status === 409 && body && body.refused === 'shrink' && window.confirm(body.error)) {
        response = await this._post(this.config.urls.draft, xml, { ...this._saveHeaders(), 'X-Studio-Confirm': 'shrink' });
        body = await this._json(response);
      }
      if (!response.ok) { return this._failed(response, body); }
      this.baseSha = await sha256(xml);
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
      if (!this.loaded) { return this._refuseUnloaded(); }
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
      this._enableWriting();
    }
  }

  _refuseUnloaded() {
    this._say(this.labels.saveDisabled, 'danger');
    return false;
  }

  _saveHeaders() {
    const headers = { 'X-Studio-Import': this.loaded ? 'ok' : 'failed' };
    if (this.baseSha) { headers['X-Studio-Base'] = this.baseSha; }
    return headers;
  }

  _post(url, xml, extra = {}) {
    return fetch(url, {
      method: 'POST', credentials: 'same-origin', body: xml,
      headers: { 'Content-Type': 'application/xml', 'X-CSRFToken': this.config.csrfToken,
        Accept: 'application/json', ...extra },
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

// The SHA-256 of a text's UTF-8 (as modeling/drafting.py sha256_of), or null where the browser
// offers no Web Crypto (a page served over plain HTTP to another host): the server then
// compares with the current draft.
async function sha256(text) {
  if (!(window.crypto && window.crypto.subtle)) { return null; }
  const digest = await window.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest)).map((b) => b.toString(16).padStart(2, '0')).join('');
}
