// The properties group "This system": what the engine reads from a diagram besides plain BPMN
// (docs/ARCHITECTURE.md, "Conventions that diagrams follow"): a user task's form, due date and notices,
// a lane's role, a gateway flow's condition and a script task's script (both Python), a service
// task's connector and parameters (connectors.js). Timers
// are left to the BPMN provider's own Timer group (timeDate / timeDuration / timeCycle), which
// already writes a bpmn:FormalExpression body; only a hint about Python is added to it.
import { SelectEntry, TextFieldEntry, TextAreaEntry, DescriptionEntry, Group,
  isSelectEntryEdited, isTextFieldEntryEdited, isTextAreaEntryEdited } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is, isAny } from 'bpmn-js/lib/util/ModelUtil';
import { getProperty, setProperty } from './extension';
import { serviceTaskEntries } from './connectors';

// The same normalisation as people/roles.py: a lane may name a role by code or either title.
const normalise = (s) => String(s || '').replace(/\u200c/g, ' ').split(/\s+/).filter(Boolean).join(' ').toLowerCase();

export function roleOfLane(name, roles) {
  const n = normalise(name);
  return roles.find((r) => [r.code, r.title_fa, r.title_en].some((t) => normalise(t) === n));
}

function FormKey({ element, id }) {
  const config = useService('studioConfig');
  const services = { bpmnFactory: useService('bpmnFactory'), commandStack: useService('commandStack') };
  const t = config.labels;
  const getOptions = () => {
    const current = getProperty(element, 'formKey');
    const options = [{ value: '', label: t.noForm }, ...config.forms.map((k) => ({ value: k, label: k }))];
    // A key that names no form file stays visible (deploy will refuse it) instead of vanishing.
    if (current && !config.forms.includes(current)) {
      options.push({ value: current, label: `${current} (${t.missingForm})` });
    }
    return options;
  };
  return <SelectEntry element={element} id={id} label={t.form} getOptions={getOptions}
    getValue={() => getProperty(element, 'formKey')}
    setValue={(v) => setProperty(element, 'formKey', v, services)} />;
}

// A due-date property; the engine refuses a value that is not a number at deploy.
function DueProperty({ element, id, name, labelKey }) {
  const services = { bpmnFactory: useService('bpmnFactory'), commandStack: useService('commandStack') };
  const debounce = useService('debounceInput');
  const t = useService('studioConfig').labels;
  const numeric = name !== 'dueAtVariable';
  const validate = (v) => (numeric && v && !/^\s*\d+(\.\d+)?\s*$/.test(v) ? t.notANumber : null);
  return <TextFieldEntry element={element} id={id} label={t[labelKey]} debounce={debounce}
    validate={validate} getValue={() => getProperty(element, name)}
    setValue={(v) => setProperty(element, name, v, services)} />;
}

// One component per property, defined once: an inline component would be a new type on each
// render and the panel would remount the field (losing focus) while someone types.
const DueDays = (p) => <DueProperty {...p} name="dueInWorkingDays" labelKey="dueDays" />;
const DueHours = (p) => <DueProperty {...p} name="dueInWorkingHours" labelKey="dueHours" />;
const DueVariable = (p) => <DueProperty {...p} name="dueAtVariable" labelKey="dueVariable" />;

// What the citizen (or the managers) are told when the task opens or is completed
// (notifications/notices.py); deploy and the validation say what is wrong with a value.
function NoticeProperty({ element, id, name, labelKey }) {
  const services = { bpmnFactory: useService('bpmnFactory'), commandStack: useService('commandStack') };
  const debounce = useService('debounceInput');
  const t = useService('studioConfig').labels;
  return <TextFieldEntry element={element} id={id} label={t[labelKey]} description={t.noticeHint}
    debounce={debounce} getValue={() => getProperty(element, name)}
    setValue={(v) => setProperty(element, name, v, services)} />;
}
const NoticeOnOpen = (p) => <NoticeProperty {...p} name="noticeOnOpen" labelKey="noticeOnOpen" />;
const NoticeOnComplete = (p) => <NoticeProperty {...p} name="noticeOnComplete" labelKey="noticeOnComplete" />;

// Which earlier forms the task's page shows of its case (cases/__init__.py): form keys
// separated by commas, or "none"; empty shows every earlier step.
function CaseForms({ element, id }) {
  const services = { bpmnFactory: useService('bpmnFactory'), commandStack: useService('commandStack') };
  const debounce = useService('debounceInput');
  const t = useService('studioConfig').labels;
  return <TextFieldEntry element={element} id={id} label={t.caseForms} description={t.caseFormsHint}
    debounce={debounce} getValue={() => getProperty(element, 'caseForms')}
    setValue={(v) => setProperty(element, 'caseForms', v, services)} />;
}

function LaneRole({ element, id }) {
  const config = useService('studioConfig');
  const modeling = useService('modeling');
  const t = config.labels;
  const fa = config.lang === 'fa';
  const name = () => getBusinessObject(element).name || '';
  const getOptions = () => {
    const options = [{ value: '', label: t.noRole }, ...config.roles.map((r) => ({
      value: r.title_fa, label: fa ? r.title_fa : `${r.title_en} (${r.title_fa})` }))];
    if (name() && !roleOfLane(name(), config.roles)) {
      options.push({ value: name(), label: `${name()} (${t.notARole})` });
    }
    return options;
  };
  const getValue = () => { const r = roleOfLane(name(), config.roles); return r ? r.title_fa : name(); };
  return <SelectEntry element={element} id={id} label={t.role} getOptions={getOptions}
    getValue={getValue} setValue={(v) => modeling.updateProperties(element, { name: v || undefined })} />;
}

function Condition({ element, id }) {
  const modeling = useService('modeling');
  const bpmnFactory = useService('bpmnFactory');
  const debounce = useService('debounceInput');
  const t = useService('studioConfig').labels;
  const getValue = () => { const c = getBusinessObject(element).conditionExpression; return (c && c.body) || ''; };
  const setValue = (v) => {
    const body = (v || '').trim();
    const expr = body ? bpmnFactory.create('bpmn:FormalExpression', { body }) : undefined;
    modeling.updateProperties(element, { conditionExpression: expr });
  };
  return <TextAreaEntry element={element} id={id} label={t.condition} description={t.conditionHint}
    monospace rows={2} debounce={debounce} getValue={getValue} setValue={setValue} />;
}

function Script({ element, id }) {
  const modeling = useService('modeling');
  const debounce = useService('debounceInput');
  const t = useService('studioConfig').labels;
  const setValue = (v) => modeling.updateProperties(element, { scriptFormat: 'python', script: v || undefined });
  return <TextAreaEntry element={element} id={id} label={t.script} description={t.scriptHint}
    monospace rows={6} autoResize debounce={debounce}
    getValue={() => getBusinessObject(element).script || ''} setValue={setValue} />;
}

function TimerHint({ element, id }) {
  const t = useService('studioConfig').labels;
  return <div class="bio-properties-panel-entry" data-entry-id={id}>
    <DescriptionEntry element={element} forId={id} value={t.timerHint} /></div>;
}

const hasTimer = (element) => (getBusinessObject(element).eventDefinitions || [])
  .some((d) => is(d, 'bpmn:TimerEventDefinition'));

// A flow may carry a condition when it leaves a gateway that chooses (or an activity: a
// conditional flow); the flow that is a gateway's default never does.
function mayHaveCondition(element) {
  if (!is(element, 'bpmn:SequenceFlow')) { return false; }
  const bo = getBusinessObject(element);
  const source = bo.sourceRef;
  if (!source || (source.default && source.default === bo)) { return !!bo.conditionExpression; }
  return isAny(source, ['bpmn:ExclusiveGateway', 'bpmn:InclusiveGateway', 'bpmn:ComplexGateway', 'bpmn:Activity'])
    || !!bo.conditionExpression;
}

export function entriesFor(element, config = {}) {
  const entries = [];
  if (is(element, 'bpmn:UserTask')) {
    entries.push({ id: 'city-formKey', component: FormKey, isEdited: isSelectEntryEdited });
    [['dueInWorkingDays', DueDays], ['dueInWorkingHours', DueHours], ['dueAtVariable', DueVariable],
      ['noticeOnOpen', NoticeOnOpen], ['noticeOnComplete', NoticeOnComplete], ['caseForms', CaseForms]]
      .forEach(([name, component]) => entries.push({ id: `city-${name}`, component, isEdited: isTextFieldEntryEdited }));
  }
  if (is(element, 'bpmn:Lane')) {
    entries.push({ id: 'city-role', component: LaneRole, isEdited: isSelectEntryEdited });
  }
  if (mayHaveCondition(element)) {
    entries.push({ id: 'city-condition', component: Condition, isEdited: isTextAreaEntryEdited });
  }
  if (is(element, 'bpmn:ScriptTask')) {
    entries.push({ id: 'city-script', component: Script, isEdited: isTextAreaEntryEdited });
  }
  if (is(element, 'bpmn:ServiceTask') || (is(element, 'bpmn:IntermediateThrowEvent')
      && (getBusinessObject(element).eventDefinitions || []).some((d) => is(d, 'bpmn:MessageEventDefinition')))) {
    // A message throw event may send its message through a connector too (none: an ordinary throw).
    entries.push(...serviceTaskEntries(element, config));
  }
  return entries;
}

export default class CityPropertiesProvider {
  constructor(propertiesPanel, studioConfig) {
    // Lower than the BPMN provider's 1000 so its groups exist when ours is placed among them.
    propertiesPanel.registerProvider(500, this);
    this._config = studioConfig;
  }

  getGroups(element) {
    return (groups) => {
      // The hint that timer values are Python goes into the BPMN provider's own Timer group.
      const timer = groups.find((g) => g.id === 'timer');
      if (timer && hasTimer(element)) {
        timer.entries = [...timer.entries, { id: 'city-timer-hint', component: TimerHint }];
      }
      const entries = entriesFor(element, this._config);
      if (!entries.length) { return groups; }
      const group = { id: 'city-system', label: this._config.labels.group, component: Group, entries };
      // Right after "General" (name, id): it is what a process owner edits most.
      const at = groups.findIndex((g) => g.id === 'general');
      groups.splice(at + 1, 0, group);
      return groups;
    };
  }
}
CityPropertiesProvider.$inject = ['propertiesPanel', 'studioConfig'];
