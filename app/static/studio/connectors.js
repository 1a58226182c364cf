// A service task's connector (engine/spiff/service_tasks.py; a message throw event may name one
// too, and then sends its message through it): which configured connector it
// calls (<spiffworkflow:serviceTaskOperator id>), a Python expression per parameter the
// connector takes (<spiffworkflow:parameter id value>) and the variable its answer lands in.
// The page lists the enabled connectors with their parameters (config.connectors, from
// /admin/connectors); the server's validation remains the authority.
import { SelectEntry, TextFieldEntry, isSelectEntryEdited, isTextFieldEntryEdited } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';

const OPERATOR = 'spiffworkflow:ServiceTaskOperator';

function operatorOf(element) {
  const ext = getBusinessObject(element).get('extensionElements');
  return ext ? (ext.get('values') || []).find((v) => v.$instanceOf(OPERATOR)) : undefined;
}

function parameterList(operator) {
  return (operator && operator.parameters && operator.parameters.get('parameterList')) || [];
}

/** The connector's name the service task calls, or ''. */
export function connectorOf(element) {
  const op = operatorOf(element);
  return (op && op.id) || '';
}

function run(commandStack, commands) {
  if (commands.length) { commandStack.execute('properties-panel.multi-command-executor', commands); }
}

// The operator (created with extensionElements when missing) and the commands that create it.
function ensureOperator(element, bpmnFactory, commands) {
  const bo = getBusinessObject(element);
  let ext = bo.get('extensionElements');
  if (!ext) {
    ext = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    commands.push({ cmd: 'element.updateModdleProperties',
      context: { element, moddleElement: bo, properties: { extensionElements: ext } } });
  }
  let op = operatorOf(element);
  if (!op) {
    op = bpmnFactory.create(OPERATOR, {});
    op.$parent = ext;
    commands.push({ cmd: 'element.updateModdleProperties',
      context: { element, moddleElement: ext, properties: { values: [...(ext.get('values') || []), op] } } });
  }
  return op;
}

/** Call another connector: its parameters replace the old ones (values of the same names kept). */
export function setConnector(element, name, parameters, { bpmnFactory, commandStack }) {
  const commands = [];
  if (!name) {  // no connector: no operator (a message throw event is an ordinary one again)
    const ext = getBusinessObject(element).get('extensionElements');
    const op = operatorOf(element);
    if (ext && op) {
      commands.push({ cmd: 'element.updateModdleProperties',
        context: { element, moddleElement: ext, properties: { values: ext.get('values').filter((v) => v !== op) } } });
    }
    run(commandStack, commands);
    return;
  }
  const op = ensureOperator(element, bpmnFactory, commands);
  const old = Object.fromEntries(parameterList(op).map((p) => [p.id, p.value]));
  const list = bpmnFactory.create('spiffworkflow:Parameters', {});
  list.$parent = op;
  const params = parameters.map((id) => {
    const p = bpmnFactory.create('spiffworkflow:Parameter', { id, type: 'any', value: old[id] || '' });
    p.$parent = list;
    return p;
  });
  list.set('parameterList', params);
  commands.push({ cmd: 'element.updateModdleProperties',
    context: { element, moddleElement: op, properties: { id: name || undefined, parameters: list } } });
  run(commandStack, commands);
}

function setParameter(element, id, value, { bpmnFactory, commandStack }) {
  const commands = [];
  const op = ensureOperator(element, bpmnFactory, commands);
  let list = op.parameters;
  if (!list) {
    list = bpmnFactory.create('spiffworkflow:Parameters', {});
    list.$parent = op;
    commands.push({ cmd: 'element.updateModdleProperties',
      context: { element, moddleElement: op, properties: { parameters: list } } });
  }
  const existing = parameterList(op).find((p) => p.id === id);
  if (existing) {
    commands.push({ cmd: 'element.updateModdleProperties',
      context: { element, moddleElement: existing, properties: { value: value || '' } } });
  } else {
    const p = bpmnFactory.create('spiffworkflow:Parameter', { id, type: 'any', value: value || '' });
    p.$parent = list;
    commands.push({ cmd: 'element.updateModdleProperties',
      context: { element, moddleElement: list, properties: { parameterList: [...parameterList(op), p] } } });
  }
  run(commandStack, commands);
}

function Connector({ element, id }) {
  const config = useService('studioConfig');
  const services = { bpmnFactory: useService('bpmnFactory'), commandStack: useService('commandStack') };
  const t = config.labels;
  const connectors = config.connectors || [];
  const getOptions = () => {
    const current = connectorOf(element);
    const options = [{ value: '', label: t.noConnector },
      ...connectors.map((c) => ({ value: c.name, label: c.title ? `${c.title} (${c.name})` : c.name }))];
    // A name no connector has stays visible (validation and deploy refuse it) instead of vanishing.
    if (current && !connectors.some((c) => c.name === current)) {
      options.push({ value: current, label: `${current} (${t.notAConnector})` });
    }
    return options;
  };
  const setValue = (name) => {
    const chosen = connectors.find((c) => c.name === name);
    setConnector(element, name, chosen ? chosen.parameters : [], services);
  };
  return <SelectEntry element={element} id={id} label={t.connector} getOptions={getOptions}
    getValue={() => connectorOf(element)} setValue={setValue} />;
}

function Parameter({ element, id, name }) {
  const services = { bpmnFactory: useService('bpmnFactory'), commandStack: useService('commandStack') };
  const debounce = useService('debounceInput');
  const t = useService('studioConfig').labels;
  const getValue = () => { const p = parameterList(operatorOf(element)).find((q) => q.id === name); return (p && p.value) || ''; };
  return <TextFieldEntry element={element} id={id} label={`${t.parameter}: ${name}`}
    description={t.parameterHint} debounce={debounce} getValue={getValue}
    setValue={(v) => setParameter(element, name, v, services)} />;
}

function ResultVariable({ element, id }) {
  const services = { bpmnFactory: useService('bpmnFactory'), commandStack: useService('commandStack') };
  const debounce = useService('debounceInput');
  const t = useService('studioConfig').labels;
  const setValue = (v) => {
    const commands = [];
    const op = ensureOperator(element, services.bpmnFactory, commands);
    commands.push({ cmd: 'element.updateModdleProperties',
      context: { element, moddleElement: op, properties: { resultVariable: (v || '').trim() || undefined } } });
    run(services.commandStack, commands);
  };
  return <TextFieldEntry element={element} id={id} label={t.resultVariable} debounce={debounce}
    getValue={() => { const op = operatorOf(element); return (op && op.resultVariable) || ''; }}
    setValue={setValue} />;
}

// One component per parameter name, made once: a new component type on every render would
// remount the field (losing focus) while someone types.
const parameterComponents = new Map();
function parameterComponent(name) {
  if (!parameterComponents.has(name)) {
    parameterComponents.set(name, (p) => <Parameter {...p} name={name} />);
  }
  return parameterComponents.get(name);
}

/** The entries of a service task: the connector, its parameters, the result variable. */
export function serviceTaskEntries(element, config) {
  const chosen = (config.connectors || []).find((c) => c.name === connectorOf(element));
  const names = chosen ? chosen.parameters : parameterList(operatorOf(element)).map((p) => p.id);
  return [
    { id: 'city-connector', component: Connector, isEdited: isSelectEntryEdited },
    ...names.map((name) => ({ id: `city-parameter-${name}`, component: parameterComponent(name),
      isEdited: isTextFieldEntryEdited })),
    { id: 'city-resultVariable', component: ResultVariable, isEdited: isTextFieldEntryEdited },
  ];
}
