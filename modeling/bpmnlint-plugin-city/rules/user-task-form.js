// A user task names a form (spiffworkflow:property formKey) that exists (modeling/rules.py
// check_forms). The form keys come from the rule's configuration ({forms: [key, ...]}).
const { is } = require('bpmnlint-utils');

function formKeyOf(task) {
  const values = (task.extensionElements && task.extensionElements.values) || [];
  for (const value of values) {
    const properties = (value.properties || (value.get && value.get('properties'))) || [];
    const found = properties.find((p) => p.name === 'formKey');
    if (found && String(found.value || '').trim()) { return String(found.value).trim(); }
  }
  return '';
}

module.exports = function(config) {
  const forms = (config && config.forms) || null;

  function check(node, reporter) {
    if (!is(node, 'bpmn:UserTask')) { return; }
    const key = formKeyOf(node);
    if (!key) {
      reporter.report(node.id, 'User task names no form; choose its form');
    } else if (forms && !forms.includes(key)) {
      reporter.report(node.id, 'User task names a form that does not exist');
    }
  }

  return { check };
};

module.exports.formKeyOf = formKeyOf;
