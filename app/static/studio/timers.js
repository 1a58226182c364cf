// What each timer of the diagram means ("۲ روز کاری", "هر ۲ روز", a Solar Hijri date), as the
// server read it (modeling/timer_meaning.py, in the `timers` of validate and save): listed under
// the problems (each selects its timer) and shown on the diagram beside each timer event.
export const OVERLAY = 'studio-timer';

export default class TimerView {
  constructor(modeler, problemsEl, problemView) {
    this._modeler = modeler;
    this._problems = problemView;
    this._list = document.createElement('ul');
    this._list.className = 'list-group list-group-flush small studio-timers';
    this._list.dataset.testid = 'studio-timers';
    this._list.hidden = true;
    if (problemsEl && problemsEl.parentNode) { problemsEl.after(this._list); }
  }

  clear() {
    this._modeler.get('overlays').remove({ type: OVERLAY });
    this._list.replaceChildren();
    this._list.hidden = true;
  }

  /** Show `timers` ([{element_id, kind, expression, meaning}]); returns how many there are. */
  show(timers) {
    this.clear();
    const registry = this._modeler.get('elementRegistry');
    const overlays = this._modeler.get('overlays');
    (timers || []).forEach((timer) => {
      const element = registry.get(timer.element_id);
      const li = document.createElement('li');
      li.className = 'list-group-item list-group-item-action studio-timer-item';
      li.dataset.elementId = timer.element_id || '';
      const name = element && element.businessObject.name;
      const what = document.createElement('span');
      what.textContent = `⏱ ${name || timer.element_id}: `;
      const meaning = document.createElement('strong');
      meaning.textContent = timer.meaning;
      const code = document.createElement('code');
      code.dir = 'ltr';
      code.className = 'ms-2 text-muted';
      code.textContent = timer.expression;
      li.append(what, meaning, code);
      if (element) {
        li.tabIndex = 0;
        li.role = 'button';
        li.addEventListener('click', () => this._problems.focus(timer.element_id));
        const label = document.createElement('span');
        label.className = 'studio-timer-meaning badge text-bg-light border';
        label.dataset.elementId = timer.element_id;
        label.textContent = timer.meaning;
        overlays.add(timer.element_id, OVERLAY, { position: { bottom: -6, left: -20 }, html: label });
      }
      this._list.appendChild(li);
    });
    this._list.hidden = !(timers && timers.length);
    return (timers || []).length;
  }
}
