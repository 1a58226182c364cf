// Draw a BPMN diagram (an instance's own version, or a process's latest) and mark done /
// active elements. The outcome of the import is left on window.bpmnImport
// ({done, warnings: [messages], error}) and on #diagram's data-loaded / data-warnings.
(function () {
  const el = document.getElementById('diagram');
  if (!el || !window.BpmnJS) { return; }
  const viewer = new window.BpmnJS({ container: el });
  const done = JSON.parse(el.dataset.done || '{}');
  const active = JSON.parse(el.dataset.active || '[]');
  // On the step-through page: the element the chosen event ran (its pass is highlighted).
  const current = JSON.parse(el.dataset.current || '""');
  const messages = (warnings) => (warnings || []).map((w) => String((w && w.message) || w));
  fetch(el.dataset.xmlUrl, { credentials: 'same-origin' })
    .then((r) => { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.text(); })
    .then((xml) => viewer.importXML(xml))
    .then((result) => {
      const warnings = messages(result.warnings);
      el.dataset.warnings = String(warnings.length);
      const canvas = viewer.get('canvas');
      const registry = viewer.get('elementRegistry');
      const overlays = viewer.get('overlays');
      Object.keys(done).forEach((id) => {
        if (!registry.get(id)) { return; }
        canvas.addMarker(id, 'done');
        if (done[id] > 1) {
          overlays.add(id, { position: { top: -12, right: 12 },
            html: '<span class="badge bg-secondary">×' + done[id] + '</span>' });
        }
      });
      active.forEach((id) => { if (registry.get(id)) { canvas.addMarker(id, 'active'); } });
      if (current && registry.get(current)) { canvas.addMarker(current, 'current'); }
      canvas.zoom('fit-viewport', 'auto');  // 'auto': centred, not pinned to the left
      window.bpmnImport = { done: true, warnings: warnings, error: null };
      el.dataset.loaded = 'true';
    })
    .catch((err) => {
      window.bpmnImport = { done: true, warnings: messages(err && err.warnings), error: String(err) };
      el.dataset.error = String(err);
      el.textContent = String(err);
    });
}());
