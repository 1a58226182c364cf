// The heat map of a process version's statistics (app/instances/statistics_views.py): each
// element's figures as an overlay on the diagram, and its colour on a heat scale of the figure
// the switch chooses (waiting now, or average time spent). The table below the diagram holds
// the same figures for those without JavaScript. Outcome: #diagram's data-loaded / data-error.
(function () {
  const el = document.getElementById('diagram');
  if (!el || !window.BpmnJS) { return; }
  const figures = JSON.parse(el.dataset.figures || '[]');
  const labels = JSON.parse(el.dataset.labels || '{}');
  const persian = el.dataset.digits === 'fa';
  const LEVELS = 5;  // CSS classes heat-0 .. heat-4 (app.css)
  const digits = (n) => (persian ? String(n).replace(/\d/g, (d) => '۰۱۲۳۴۵۶۷۸۹'[d]) : String(n));
  const viewer = new window.BpmnJS({ container: el });

  function line(parent, text, testid, value) {
    const row = document.createElement('div');
    row.textContent = text;
    if (testid) { row.dataset.testid = testid; row.dataset.value = String(value); }
    parent.appendChild(row);
  }

  function overlay(figure) {
    const box = document.createElement('div');
    box.className = 'heat-overlay';
    box.dataset.testid = 'heat-overlay';
    box.dataset.element = figure.id;
    line(box, labels.passed + ': ' + digits(figure.passed) + ' · ' + labels.waiting + ': '
      + digits(figure.waiting), null);
    box.firstChild.dataset.passed = String(figure.passed);
    box.firstChild.dataset.waiting = String(figure.waiting);
    if (figure.average_seconds !== null) {
      line(box, labels.average + ': ' + figure.average, 'heat-average', figure.average_seconds);
      line(box, labels.p90 + ': ' + figure.p90, 'heat-p90', figure.p90_seconds);
    }
    return box;
  }

  function paint(registry, canvas, by) {
    const value = (f) => (by === 'time' ? (f.average_seconds || 0) : f.waiting);
    const top = Math.max(0, ...figures.map(value));
    figures.forEach((figure) => {
      if (!registry.get(figure.id)) { return; }
      for (let i = 0; i < LEVELS; i += 1) { canvas.removeMarker(figure.id, 'heat-' + i); }
      const level = top > 0 ? Math.min(LEVELS - 1, Math.floor((value(figure) / top) * (LEVELS - 1) + 0.5)) : 0;
      canvas.addMarker(figure.id, 'heat-' + level);
      registry.getGraphics(figure.id).dataset.heat = String(level);
    });
    el.dataset.heat = by;
  }

  fetch(el.dataset.xmlUrl, { credentials: 'same-origin' })
    .then((r) => { if (!r.ok) { throw new Error('HTTP ' + r.status); } return r.text(); })
    .then((xml) => viewer.importXML(xml))
    .then(() => {
      const canvas = viewer.get('canvas');
      const registry = viewer.get('elementRegistry');
      const overlays = viewer.get('overlays');
      figures.forEach((figure) => {
        if (registry.get(figure.id)) {
          // Below a task; above an event, whose name is written under it.
          const position = figure.kind === 'timer' ? { top: -50, left: -40 } : { bottom: -4, left: -10 };
          overlays.add(figure.id, 'heat', { position: position, html: overlay(figure) });
        }
      });
      const checked = document.querySelector('input[name="heat"]:checked');
      paint(registry, canvas, checked ? checked.value : 'waiting');
      document.querySelectorAll('input[name="heat"]').forEach((input) => {
        input.addEventListener('change', () => paint(registry, canvas, input.value));
      });
      canvas.zoom('fit-viewport', 'auto');
      el.dataset.loaded = 'true';
    })
    .catch((err) => {
      el.dataset.error = String(err);
      el.textContent = String(err);
    });
}());
