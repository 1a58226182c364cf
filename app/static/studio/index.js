// The process owners' studio: the bpmn-js Modeler with its properties panel (the BPMN
// provider plus this system's group, properties.js) and the page's actions (actions.js).
// Bundled by scripts/build-studio.mjs into app/static/vendor/studio/studio.{js,css};
// the page calls window.CityStudio.open(options) (app/templates/studio/modeler.html).
import Modeler from 'bpmn-js/lib/Modeler';
import { BpmnPropertiesPanelModule, BpmnPropertiesProviderModule } from 'bpmn-js-properties-panel';
import '@bpmn-io/properties-panel/dist/assets/properties-panel.css';
import spiffworkflowDescriptor from './spiffworkflow-moddle';
import CityPropertiesProvider from './properties';
import Studio from './actions';
import TranslateModule from './translate';
import { lintConfig, lintModule } from './lint';
import DiagramSwitch from './diagrams';

const CityPropertiesModule = {
  __init__: ['cityPropertiesProvider'],
  cityPropertiesProvider: ['type', CityPropertiesProvider],
};

/**
 * options: {canvas, panel, diagrams (a <select>): elements; config: {urls: {source, draft, validate, deploy},
 * forms: [keys], roles: [{code, title_fa, title_en}], labels: {...}, lang, readOnly}}.
 * Resolves to the Studio once the diagram is imported (also left on window.cityStudio).
 */
function open(options) {
  const { config } = options;
  const modeler = new Modeler({
    container: options.canvas,
    propertiesPanel: { parent: options.panel },
    additionalModules: [
      BpmnPropertiesPanelModule, BpmnPropertiesProviderModule, CityPropertiesModule,
      { studioConfig: ['value', config] }, TranslateModule(config.lang), lintModule,
    ],
    // Live checks while drawing (lint.js); the server still validates on save and deploy.
    linting: { active: true, bpmnlint: lintConfig(config) },
    moddleExtensions: { spiffworkflow: spiffworkflowDescriptor },
  });
  if (config.readOnly) { freeze(modeler); }
  const studio = new Studio(modeler, options);
  window.cityStudio = studio;
  if (options.diagrams) { studio.diagrams = new DiagramSwitch(modeler, options.diagrams, studio); }
  return studio.load().then(() => studio);
}

// Administrators and auditors look without changing anything: every change of a diagram
// (canvas, keyboard, direct editing, properties panel) is a command, so a command stack that
// allows and runs none keeps the diagram as loaded; the page hides the palette and context pad.
function freeze(modeler) {
  const commandStack = modeler.get('commandStack');
  commandStack.canExecute = () => false;
  commandStack.execute = () => {};
  modeler.on('directEditing.activate', () => modeler.get('directEditing').cancel());
}

window.CityStudio = { open };
