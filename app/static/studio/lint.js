// Live checks while drawing: bpmn-js-bpmnlint with the configuration of lint-config.js. The
// server stays the authority (save, validate and deploy check again); these marks only show
// problems sooner. The button's and the rules' words are translated by translate.js.
import lintModule from 'bpmn-js-bpmnlint';
import 'bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css';

export { lintConfig } from './lint-config';
export { lintModule };
