// The live checks' configuration: bpmnlint's recommended rules that agree with the server and
// this system's rules (modeling/bpmnlint-plugin-city/), packed as bpmnlint's compile-config would
// write it ({config, resolver}, the rules bundled) so that it runs in the browser (lint.js) and
// in Node (scripts/lint-diagrams.mjs, which the tests run over processes/*.bpmn).
import adHocSubProcess from 'bpmnlint/rules/ad-hoc-sub-process.js';
import conditionalFlows from 'bpmnlint/rules/conditional-flows.js';
import endEventRequired from 'bpmnlint/rules/end-event-required.js';
import eventBasedGateway from 'bpmnlint/rules/event-based-gateway.js';
import eventSubProcessTypedStartEvent from 'bpmnlint/rules/event-sub-process-typed-start-event.js';
import fakeJoin from 'bpmnlint/rules/fake-join.js';
import labelRequired from 'bpmnlint/rules/label-required.js';
import linkEvent from 'bpmnlint/rules/link-event.js';
import noBpmndi from 'bpmnlint/rules/no-bpmndi.js';
import noComplexGateway from 'bpmnlint/rules/no-complex-gateway.js';
import noDisconnected from 'bpmnlint/rules/no-disconnected.js';
import noDuplicateSequenceFlows from 'bpmnlint/rules/no-duplicate-sequence-flows.js';
import noGatewayJoinFork from 'bpmnlint/rules/no-gateway-join-fork.js';
import noImplicitSplit from 'bpmnlint/rules/no-implicit-split.js';
import noImplicitEnd from 'bpmnlint/rules/no-implicit-end.js';
import noImplicitStart from 'bpmnlint/rules/no-implicit-start.js';
import singleBlankStartEvent from 'bpmnlint/rules/single-blank-start-event.js';
import singleEventDefinition from 'bpmnlint/rules/single-event-definition.js';
import startEventRequired from 'bpmnlint/rules/start-event-required.js';
import subProcessBlankStartEvent from 'bpmnlint/rules/sub-process-blank-start-event.js';
import superfluousGateway from 'bpmnlint/rules/superfluous-gateway.js';
import laneRole from '../../../modeling/bpmnlint-plugin-city/rules/lane-role.js';
import taskInLane from '../../../modeling/bpmnlint-plugin-city/rules/task-in-lane.js';
import userTaskForm from '../../../modeling/bpmnlint-plugin-city/rules/user-task-form.js';
import timerExpression from '../../../modeling/bpmnlint-plugin-city/rules/timer-expression.js';

const cache = {
  'bpmnlint/ad-hoc-sub-process': adHocSubProcess,
  'bpmnlint/conditional-flows': conditionalFlows,
  'bpmnlint/end-event-required': endEventRequired,
  'bpmnlint/event-based-gateway': eventBasedGateway,
  'bpmnlint/event-sub-process-typed-start-event': eventSubProcessTypedStartEvent,
  'bpmnlint/fake-join': fakeJoin,
  'bpmnlint/label-required': labelRequired,
  'bpmnlint/link-event': linkEvent,
  'bpmnlint/no-bpmndi': noBpmndi,
  'bpmnlint/no-complex-gateway': noComplexGateway,
  'bpmnlint/no-disconnected': noDisconnected,
  'bpmnlint/no-duplicate-sequence-flows': noDuplicateSequenceFlows,
  'bpmnlint/no-gateway-join-fork': noGatewayJoinFork,
  'bpmnlint/no-implicit-split': noImplicitSplit,
  'bpmnlint/no-implicit-end': noImplicitEnd,
  'bpmnlint/no-implicit-start': noImplicitStart,
  'bpmnlint/single-blank-start-event': singleBlankStartEvent,
  'bpmnlint/single-event-definition': singleEventDefinition,
  'bpmnlint/start-event-required': startEventRequired,
  'bpmnlint/sub-process-blank-start-event': subProcessBlankStartEvent,
  'bpmnlint/superfluous-gateway': superfluousGateway,
  'bpmnlint-plugin-city/lane-role': laneRole,
  'bpmnlint-plugin-city/task-in-lane': taskInLane,
  'bpmnlint-plugin-city/user-task-form': userTaskForm,
  'bpmnlint-plugin-city/timer-expression': timerExpression,
};

// bpmnlint:recommended as the server sees it: what the server refuses is an error; what it
// accepts (deployed processes have unnamed end events, diagrams from elsewhere lack DI, the
// engine runs inclusive gateways) is a warning or off. Labels, overlaps and the like that the
// server never checks stay warnings.
const RECOMMENDED = {
  'ad-hoc-sub-process': 'error',
  'conditional-flows': 'error',
  'end-event-required': 'error',
  'event-based-gateway': 'error',
  'event-sub-process-typed-start-event': 'error',
  'fake-join': 'warn',
  'label-required': 'warn',
  'link-event': 'error',
  'no-bpmndi': 'warn',
  'no-complex-gateway': 'error',
  'no-disconnected': 'error',
  'no-duplicate-sequence-flows': 'error',
  'no-gateway-join-fork': 'warn',
  'no-implicit-split': 'error',
  'no-implicit-end': 'error',
  'no-implicit-start': 'error',
  'single-blank-start-event': 'error',
  'single-event-definition': 'error',
  'start-event-required': 'error',
  'sub-process-blank-start-event': 'error',
  'superfluous-gateway': 'warn',
  // off: 'global', 'no-inclusive-gateway', 'no-overlapping-elements', 'superfluous-label',
  // 'superfluous-termination' (not bundled)
};

/** The {config, resolver} of bpmn-js-bpmnlint for this page's roles and form keys. */
export function lintConfig({ roles, forms }) {
  const rules = { ...RECOMMENDED };
  rules['city/lane-role'] = ['error', { roles }];
  rules['city/task-in-lane'] = 'error';
  rules['city/user-task-form'] = ['error', { forms }];
  rules['city/timer-expression'] = 'error';
  const resolver = {
    resolveRule(pkg, ruleName) {
      const rule = cache[`${pkg}/${ruleName}`];
      if (!rule) { throw new Error(`cannot resolve rule <${pkg}/${ruleName}>: not bundled`); }
      return rule;
    },
    resolveConfig(pkg, configName) {
      throw new Error(`cannot resolve config <${configName}> in <${pkg}>: not bundled`);
    },
  };
  return { config: { rules }, resolver };
}

