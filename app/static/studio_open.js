// Opens the studio on its page (studio/modeler.html): the page's settings are the JSON in
// #studio-config, the CSRF token the meta tag's. A file of its own, not an inline script: the
// Content-Security-Policy runs no inline script (app/security.py).
(function () {
  var config = JSON.parse(document.getElementById('studio-config').textContent);
  config.csrfToken = document.querySelector('meta[name=csrf-token]').content;
  var button = function (name) { return document.querySelector('[data-testid=studio-' + name + ']'); };
  window.CityStudio.open({
    config: config,
    canvas: document.getElementById('studio-canvas'),
    panel: document.getElementById('studio-panel'),
    problems: button('problems'),
    diagrams: button('diagrams'),
    status: button('status'),
    buttons: { save: button('save'), validate: button('validate'), deploy: button('deploy'),
               unsaved: button('unsaved') }
  });
}());
