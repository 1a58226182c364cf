// The form editor page (app/templates/forms/edit.html): the bpmn.io form-js editor (UMD global
// FormEditor) on the latest schema; Validate, Preview (the server's task-page renderer) and
// Save (a new version). Posts carry the CSRF token of the page's meta tag in X-CSRFToken.
(function () {
  "use strict";

  var container = document.getElementById("form-editor");
  if (!container || !window.FormEditor) { return; }
  var statusBox = document.getElementById("editor-status");
  var problemList = document.getElementById("editor-problems");
  var previewBox = document.getElementById("editor-preview");
  var csrf = (document.querySelector("meta[name=csrf-token]") || {}).content || "";
  var schema = JSON.parse(document.getElementById("form-schema").textContent);
  var editor = null;

  function showStatus(text, kind) {
    statusBox.className = "mb-2 alert alert-" + (kind || "info");
    statusBox.textContent = text;
  }

  function showProblems(problems) {
    problemList.textContent = "";
    (problems || []).forEach(function (problem) {
      var item = document.createElement("li");
      item.className = "alert py-1 px-2 mb-1 alert-" + (problem.level === "error" ? "danger" : "warning");
      item.dataset.level = problem.level;
      item.dataset.code = problem.code;
      item.textContent = problem.message;
      problemList.appendChild(item);
    });
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf,
                 "Accept": "application/json, text/html" }
    });
  }

  function currentSchemaText() {
    return JSON.stringify(editor.saveSchema());
  }

  function failed() { showStatus(container.dataset.msgError, "danger"); }

  function clearStatus() { statusBox.className = "mb-2"; statusBox.textContent = ""; }

  function validate() {
    clearStatus();
    return post(container.dataset.validateUrl, currentSchemaText()).then(function (response) {
      return response.json();
    }).then(function (result) {
      showProblems(result.problems);
      if (result.ok && !result.problems.length) { showStatus(container.dataset.msgValid, "success"); }
      else { clearStatus(); }
    }).catch(failed);
  }

  function preview() {
    return post(container.dataset.previewUrl, currentSchemaText()).then(function (response) {
      if (!response.ok) {
        return response.json().then(function (result) { showProblems(result.problems); });
      }
      return response.text().then(function (html) {
        previewBox.innerHTML = html;  // rendered by the server's escaping templates
        // The preview is for looking only: nothing in it is submitted.
        previewBox.querySelectorAll("input, select, textarea, button").forEach(function (el) {
          el.setAttribute("tabindex", "-1");
        });
      });
    }).catch(failed);
  }

  function save() {
    clearStatus();
    return post(container.dataset.saveUrl, currentSchemaText()).then(function (response) {
      return response.json().then(function (result) {
        showProblems(result.problems);
        if (result.ok) {
          showStatus(result.message, result.created ? "success" : "info");
          var latest = document.querySelector("[data-testid=latest-version]");
          if (latest && result.created) {
            latest.textContent = String(result.version).replace(/[0-9]/g, function (d) {
              return "۰۱۲۳۴۵۶۷۸۹"[d];
            });
          }
        } else {
          showStatus(result.message || container.dataset.msgError, "danger");
        }
      });
    }).catch(failed);
  }

  window.FormEditor.createFormEditor({ container: container, schema: schema }).then(function (created) {
    editor = created;
    window.formEditor = created;  // for tests and the curious
    container.dataset.ready = "1";
    document.getElementById("validate-button").addEventListener("click", validate);
    document.getElementById("preview-button").addEventListener("click", preview);
    var saveButton = document.getElementById("save-button");
    if (saveButton) { saveButton.addEventListener("click", save); }
  }).catch(function (error) {
    showStatus(container.dataset.msgLoading + " " + error, "danger");
  });
})();
