// Reading and writing <spiffworkflow:property name value> of an element, the way this system
// marks a user task's form and due date (docs/ARCHITECTURE.md, "Forms" and "Due dates").
// Writes go through the command stack in one multi-command so that one undo reverts one edit.
import { getBusinessObject } from 'bpmn-js/lib/util/ModelUtil';

const PROPERTIES = 'spiffworkflow:Properties';

function propertiesOf(bo) {
  const ext = bo.get('extensionElements');
  return ext ? (ext.get('values') || []).find((v) => v.$instanceOf(PROPERTIES)) : undefined;
}

/** The value of the property `name` of the element, or '' when it has none. */
export function getProperty(element, name) {
  const props = propertiesOf(getBusinessObject(element));
  const prop = props && (props.get('properties') || []).find((p) => p.name === name);
  return prop ? (prop.value || '') : '';
}

/**
 * Set (or, with an empty value, remove) the property `name`; creates extensionElements and
 * spiffworkflow:properties on the way when missing.
 */
export function setProperty(element, name, value, { bpmnFactory, commandStack }) {
  const bo = getBusinessObject(element);
  const commands = [];
  const wanted = value === undefined || value === null ? '' : String(value).trim();
  let ext = bo.get('extensionElements');
  if (!ext) {
    if (!wanted) { return; }
    ext = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    ext.$parent = bo;
    commands.push({ cmd: 'element.updateModdleProperties',
      context: { element, moddleElement: bo, properties: { extensionElements: ext } } });
  }
  let props = propertiesOf(bo);
  if (!props) {
    if (!wanted) { return; }
    props = bpmnFactory.create(PROPERTIES, { properties: [] });
    props.$parent = ext;
    commands.push({ cmd: 'element.updateModdleProperties',
      context: { element, moddleElement: ext, properties: { values: [...(ext.get('values') || []), props] } } });
  }
  const list = props.get('properties') || [];
  const existing = list.find((p) => p.name === name);
  if (existing && wanted) {
    if (existing.value === wanted) { return; }
    commands.push({ cmd: 'element.updateModdleProperties',
      context: { element, moddleElement: existing, properties: { value: wanted } } });
  } else if (existing) {
    commands.push({ cmd: 'element.updateModdleProperties',
      context: { element, moddleElement: props, properties: { properties: list.filter((p) => p !== existing) } } });
  } else if (wanted) {
    const prop = bpmnFactory.create('spiffworkflow:Property', { name, value: wanted });
    prop.$parent = props;
    commands.push({ cmd: 'element.updateModdleProperties',
      context: { element, moddleElement: props, properties: { properties: [...list, prop] } } });
  }
  if (commands.length) {
    commandStack.execute('properties-panel.multi-command-executor', commands);
  }
}
