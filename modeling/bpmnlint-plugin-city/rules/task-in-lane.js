// A user or manual task sits in a lane, or no role can work on it (engine/spiff/parsing.py).
const { isAny } = require('bpmnlint-utils');

module.exports = function() {
  const inLane = new Set();

  function check(node, reporter) {
    if (isAny(node, ['bpmn:Process', 'bpmn:SubProcess'])) {
      collectLanes(node, inLane);
      (node.flowElements || []).forEach((element) => {
        if (isAny(element, ['bpmn:UserTask', 'bpmn:ManualTask']) && !inLane.has(element.id) && !inLaneOfParent(element, inLane)) {
          reporter.report(element.id, 'Task is in no lane, so no role can work on it');
        }
      });
    }
  }

  return { check };
};

function collectLanes(node, into) {
  (node.laneSets || []).forEach((set) => (set.lanes || []).forEach((lane) => {
    (lane.flowNodeRef || []).forEach((ref) => into.add(ref.id));
    if (lane.childLaneSet) { collectLanes({ laneSets: [lane.childLaneSet] }, into); }
  }));
}

// A task inside a sub-process belongs to the lane of the sub-process.
function inLaneOfParent(element, inLane) {
  for (let p = element.$parent; p; p = p.$parent) {
    if (inLane.has(p.id)) { return true; }
  }
  return false;
}
