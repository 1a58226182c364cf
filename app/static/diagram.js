// Draw the instance's own BPMN version and mark done / active elements.
(function () {
  const el = document.getElementById('diagram');
  if (!el || !window.BpmnJS) { return; }
  const viewer = new window.BpmnJS({ container: el });
  const done = JSON.parse(el.dataset.done || '{}');
  const active = JSON.parse(el.dataset.active || '[]');
  fetch(el.dataset.xmlUrl, { credentials: 'same-origin' })
    .then((r) => r.text())
    .then((xml) => viewer.importXML(xml))
    .then((result) => {
      el.dataset.warnings = String((result.warnings || []).length);
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
      canvas.zoom('fit-viewport', 'auto');  // 'auto': centred, not pinned to the left
      el.dataset.loaded = 'true';
    })
    .catch((err) => { el.dataset.error = String(err); el.textContent = String(err); });
}());
