// A switch between the diagrams of a file with several (several processes or participants,
// each drawn in its own bpmndi:BPMNDiagram): a <select> beside the toolbar, shown only when
// there is more than one, that opens the chosen diagram with bpmn-js's open(diagramId).
// Diagrams of collapsed sub-processes are not listed: bpmn-js draws them as drill-down planes
// of the diagram that contains them.
import { is } from 'bpmn-js/lib/util/ModelUtil';

export default class DiagramSwitch {
  constructor(modeler, select, studio) {
    this._modeler = modeler;
    this._select = select;
    this._studio = studio;
    modeler.on('import.done', () => this.refresh());
    select.addEventListener('change', () => this.show(select.value));
  }

  /** The top-level diagrams of the imported file: [{id, label}]. */
  list() {
    const definitions = this._modeler.getDefinitions();
    return ((definitions && definitions.diagrams) || [])
      .filter((d) => d.plane && d.plane.bpmnElement && !is(d.plane.bpmnElement, 'bpmn:SubProcess'))
      .map((d) => {
        const element = d.plane.bpmnElement;
        const participants = is(element, 'bpmn:Collaboration')
          ? (element.participants || []).map((p) => p.name || p.id).join('، ') : '';
        return { id: d.id, label: element.name || participants || element.id || d.id };
      });
  }

  refresh() {
    const diagrams = this.list();
    this._select.replaceChildren(...diagrams.map(({ id, label }) => {
      const option = document.createElement('option');
      option.value = id;
      option.textContent = label;
      return option;
    }));
    const shown = this._modeler.get('canvas').getRootElement();
    const current = diagrams.find((d) => shown && shown.businessObject
      && this._diagramOf(d.id) && this._diagramOf(d.id).plane.bpmnElement === shown.businessObject);
    if (current) { this._select.value = current.id; }
    this._select.hidden = diagrams.length < 2;
  }

  _diagramOf(id) {
    return (this._modeler.getDefinitions().diagrams || []).find((d) => d.id === id);
  }

  /** Open diagram `id`; the unsaved edits stay (they live in the file's model, not the canvas). */
  async show(id) {
    const dirty = this._studio.dirty;
    await this._modeler.open(id);
    this._modeler.get('canvas').zoom('fit-viewport', 'auto');
    this._studio._setDirty(dirty);  // opening clears the undo stack, which is not an edit
    this._studio.problems.clear();
    this._modeler.get('linting').update();
    this._select.value = id;
    document.body.dataset.studioDiagram = id;
  }
}
