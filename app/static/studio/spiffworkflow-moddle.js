// Moddle descriptor of the SpiffWorkflow extension elements this system reads
// (engine/parsing.py): <spiffworkflow:properties> holding <spiffworkflow:property name value>
// inside a task's bpmn:extensionElements, and a service task's connector:
// <spiffworkflow:serviceTaskOperator id resultVariable><spiffworkflow:parameters>
// <spiffworkflow:parameter id type value/>... (engine/spiff/service_tasks.py). Without it bpmn-js would keep them as opaque
// generic elements that the properties panel cannot read or write. <spiffworkflow:calledDecisionId>
// names the decision table a bpmn:businessRuleTask calls (engine/spiff/decision_task.py).
export default {
  name: 'SpiffWorkflow',
  uri: 'http://spiffworkflow.org/bpmn/schema/1.0/core',
  prefix: 'spiffworkflow',
  xml: { tagAlias: 'lowerCase' },
  associations: [],
  types: [
    {
      name: 'Properties',
      superClass: ['Element'],
      // Allowed inside any bpmn:extensionElements (tasks, events, processes).
      meta: { allowedIn: ['*'] },
      properties: [
        { name: 'properties', type: 'Property', isMany: true },
      ],
    },
    {
      name: 'Property',
      superClass: ['Element'],
      properties: [
        { name: 'name', type: 'String', isAttr: true },
        { name: 'value', type: 'String', isAttr: true },
      ],
    },
    {
      name: 'ServiceTaskOperator',
      superClass: ['Element'],
      meta: { allowedIn: ['bpmn:ServiceTask', 'bpmn:IntermediateThrowEvent'] },
      properties: [
        { name: 'id', type: 'String', isAttr: true },
        { name: 'resultVariable', type: 'String', isAttr: true },
        // A single child: written under the property's name, <spiffworkflow:parameters>.
        { name: 'parameters', type: 'Parameters' },
      ],
    },
    {
      name: 'Parameters',
      superClass: ['Element'],
      // Many children: written under their type's name, <spiffworkflow:parameter>.
      properties: [{ name: 'parameterList', type: 'Parameter', isMany: true }],
    },
    {
      name: 'Parameter',
      superClass: ['Element'],
      properties: [
        { name: 'id', type: 'String', isAttr: true },
        { name: 'type', type: 'String', isAttr: true },
        { name: 'value', type: 'String', isAttr: true },
      ],
    },
    {
      name: 'CalledDecisionId',
      superClass: ['Element'],
      meta: { allowedIn: ['bpmn:BusinessRuleTask'] },
      properties: [
        { name: 'value', type: 'String', isBody: true },
      ],
    },
  ],
  enumerations: [],
};
