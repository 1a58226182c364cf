// Problems found by validation or a refused deploy: listed beside the diagram (each one
// selects and scrolls to its element) and marked on the diagram itself (a canvas marker that
// outlines the element in red, and a badge with the count whose tooltip lists the messages).
export const MARKER = 'studio-problem';

export default class ProblemView {
  constructor(modeler, listEl, labels) {
    this._modeler = modeler;
    this._list = listEl;
    this._labels = labels;
    this._marked = [];
  }

  clear() {
    const canvas = this._modeler.get('canvas');
    const registry = this._modeler.get('elementRegistry');
    this._marked.forEach((id) => { if (registry.get(id)) { canvas.removeMarker(id, MARKER); } });
    this._modeler.get('overlays').remove({ type: MARKER });
    this._marked = [];
    this._list.replaceChildren();
    this._list.hidden = true;
  }

  /** Show `problems` ([{element_id, message, line, kind}]); returns how many there are. */
  show(problems) {
    this.clear();
    const registry = this._modeler.get('elementRegistry');
    const byElement = new Map();
    problems.forEach((p) => {
      if (p.element_id && registry.get(p.element_id)) {
        if (!byElement.has(p.element_id)) { byElement.set(p.element_id, []); }
        byElement.get(p.element_id).push(p.message);
      }
      this._list.appendChild(this._item(p, registry));
    });
    const canvas = this._modeler.get('canvas');
    const overlays = this._modeler.get('overlays');
    byElement.forEach((messages, id) => {
      canvas.addMarker(id, MARKER);
      this._marked.push(id);
      const badge = document.createElement('span');
      badge.className = 'studio-problem-badge';
      badge.dataset.elementId = id;
      badge.title = messages.join('\n');
      badge.textContent = String(messages.length);
      overlays.add(id, MARKER, { position: { top: -10, right: 10 }, html: badge });
    });
    this._list.hidden = problems.length === 0;
    return problems.length;
  }

  _item(problem, registry) {
    const li = document.createElement('li');
    li.className = 'list-group-item list-group-item-action studio-problem-item';
    li.dataset.elementId = problem.element_id || '';
    const element = problem.element_id && registry.get(problem.element_id);
    const where = document.createElement('div');
    where.className = 'small text-muted';
    where.dir = 'ltr';
    const name = element && element.businessObject.name;
    where.textContent = [problem.element_id, name && `«${name}»`,
      problem.line ? `${this._labels.line} ${problem.line}` : ''].filter(Boolean).join(' · ');
    const text = document.createElement('div');
    text.textContent = problem.message;
    li.append(text, where);
    if (element) {
      li.tabIndex = 0;
      li.role = 'button';
      const go = () => this.focus(problem.element_id);
      li.addEventListener('click', go);
      li.addEventListener('keydown', (e) => { if (e.key === 'Enter') { go(); } });
    }
    return li;
  }

  /** Select the element (the properties panel follows) and bring it into view. */
  focus(id) {
    const element = this._modeler.get('elementRegistry').get(id);
    if (!element) { return; }
    // The properties panel does not follow a selection made while one of its fields has the
    // focus (as after typing in it); leave that field as a click on the canvas would.
    if (document.activeElement && document.activeElement.closest('.bio-properties-panel')) {
      document.activeElement.blur();
    }
    this._modeler.get('selection').select(element);
    this._modeler.get('canvas').scrollToElement(element, { top: 120, bottom: 120, left: 120, right: 120 });
  }
}
