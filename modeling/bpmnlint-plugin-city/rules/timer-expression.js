// A timer has a time, and a literal ISO 8601 text is quoted: the engine evaluates the timer's
// text as Python, so a bare P1D fails every instance (modeling/rules.py check_timers).
const { is } = require('bpmnlint-utils');

// An unquoted ISO 8601 duration, repeating interval or date (what SpiffWorkflow reads only as a string).
const BARE_ISO = /^(R\d*\/)?(P(?=\d|T\d)[\dYMWD]*(T[\dHMS.,]*)?|\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?)(\/\S*)?$/;

module.exports = function() {
  function check(node, reporter) {
    if (!is(node, 'bpmn:TimerEventDefinition')) { return; }
    const owner = node.$parent;
    const id = (owner && owner.id) || node.id;
    const bodies = ['timeDate', 'timeDuration', 'timeCycle']
      .map((kind) => node[kind])
      .filter(Boolean)
      .map((expression) => String(expression.body || '').trim());
    if (!bodies.some(Boolean)) {
      reporter.report(id, 'Timer has no time expression');
      return;
    }
    if (bodies.some((body) => BARE_ISO.test(body))) {
      reporter.report(id, 'Timer time is not in quotes: write "P10D", with the quotes');
    }
  }

  return { check };
};
