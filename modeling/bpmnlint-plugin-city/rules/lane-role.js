// A lane is named after a role in force (modeling/rules.py check_lanes). The roles come from
// the rule's configuration ({roles: [{code, title_fa, title_en}]}); without them only an
// unnamed lane is reported.
const { is } = require('bpmnlint-utils');
const { roleOfLane } = require('./roles');

module.exports = function(config) {
  const roles = (config && config.roles) || null;

  function check(node, reporter) {
    if (!is(node, 'bpmn:Lane')) { return; }
    const name = (node.name || '').trim();
    if (!name) {
      reporter.report(node.id, 'Lane has no name; name it after a role');
    } else if (roles && !roleOfLane(name, roles)) {
      reporter.report(node.id, 'Lane names no role');
    }
  }

  return { check };
};
