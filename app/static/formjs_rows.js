// "Add a row" / "Remove this row" of a form-js dynamic list, in the browser (formjs/rows.py).
// Without JavaScript the same buttons submit the form and the server shows it again with one
// row more or less; here they do it in place. Row i's fields are named L[i].key and their ids
// start with <id base>-i-, so after a removal the rows below are renumbered.
(function () {
  if (window.formjsRows) return;
  window.formjsRows = true;

  function rowsOf(list) {
    return Array.prototype.filter.call(list.children, function (el) {
      return el.classList.contains("formjs-row");
    });
  }

  function number(list, n) {
    var first = list.querySelector(".formjs-row-number");
    var persian = first && /[\u06F0-\u06F9]/.test(first.textContent);
    return persian ? String(n).replace(/\d/g, function (d) { return "\u06F0\u06F1\u06F2\u06F3\u06F4\u06F5\u06F6\u06F7\u06F8\u06F9"[d]; }) : String(n);
  }

  function renumber(list, row, from, to) {
    var path = list.dataset.path, base = list.dataset.idBase;
    var oldName = path + "[" + from + "]", newName = path + "[" + to + "]";
    var oldId = base + "-" + from + "-", newId = base + "-" + to + "-";
    row.dataset.row = String(to);
    row.querySelectorAll("[name], [id], [for], [aria-describedby], button[value]").forEach(function (el) {
      if (el.name && el.name.indexOf(oldName) === 0) el.name = newName + el.name.slice(oldName.length);
      if (el.value && el.tagName === "BUTTON" && el.value === "remove:" + oldName) el.value = "remove:" + newName;
      ["id", "for", "aria-describedby"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (!value) return;
        el.setAttribute(attr, value.split(" ").map(function (token) {
          return token.indexOf(oldId) === 0 ? newId + token.slice(oldId.length) : token;
        }).join(" "));
      });
    });
    var shown = row.querySelector(".formjs-row-number");
    if (shown) shown.textContent = number(list, to + 1);
  }

  function refresh(list) {
    var rows = rowsOf(list);
    var least = parseInt(list.dataset.minRows || "0", 10);
    var most = parseInt(list.dataset.maxRows || "200", 10);
    var add = list.querySelector(":scope > .formjs-add-row");
    if (add) add.hidden = rows.length >= most;
    rows.forEach(function (row) {
      var remove = row.querySelector(":scope > .formjs-remove-row");
      if (remove) remove.hidden = rows.length <= least;
    });
  }

  function addRow(list) {
    var template = list.querySelector(":scope > template.formjs-row-template");
    var rows = rowsOf(list);
    var index = rows.length;
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.split("__i__").join(String(index))
      .split("__n__").join(number(list, index + 1));
    var row = holder.firstElementChild;
    list.insertBefore(row, template);
    refresh(list);
    var first = row.querySelector("input:not([type=hidden]), textarea, select");
    if (first) first.focus();
  }

  function removeRow(list, row) {
    row.remove();
    rowsOf(list).forEach(function (other, index) {
      var from = parseInt(other.dataset.row, 10);
      if (from !== index) renumber(list, other, from, index);
    });
    refresh(list);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[name=_rows]");
    if (!button) return;
    var list = button.closest(".formjs-dynamiclist");
    if (!list || !list.dataset.maxRows) return;
    event.preventDefault();
    if (button.classList.contains("formjs-add-row")) {
      addRow(list);
    } else {
      removeRow(list, button.closest(".formjs-row"));
    }
  });
})();
