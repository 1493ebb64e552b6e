/* Legacy import page: send the chosen files one at a time so each result row appears as soon as
   that file is processed. Without this script the form posts all files and lists all results. */
(function () {
  "use strict";
  if (window.portalImportBound) return; // htmx re-runs the script after a boosted navigation
  window.portalImportBound = true;

  function placeholder(results, name) {
    var row = document.createElement("tr");
    row.className = "import-result import-pending";
    var cell = document.createElement("td");
    cell.textContent = name;
    var status = document.createElement("td");
    status.colSpan = 3;
    status.textContent = "正在处理…";
    row.appendChild(cell);
    row.appendChild(status);
    results.appendChild(row);
    return row;
  }

  function sendOne(url, results, file) {
    var row = placeholder(results, file.name);
    // The results body carries hx-encoding="multipart/form-data" and sits outside the form, so
    // htmx sends just this file (plus the CSRF header inherited from <body>).
    return window.htmx.ajax("POST", url, {
      source: results, target: row, swap: "outerHTML", values: { file: file }
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-import-one]");
    if (!form || !window.htmx) return;
    var input = form.querySelector("input[type=file]");
    var results = document.querySelector(form.getAttribute("data-results"));
    if (!input || !input.files.length || !results) return; // let the server say what is missing
    event.preventDefault();
    var empty = results.querySelector(".import-empty");
    if (empty) empty.remove();
    var files = Array.prototype.slice.call(input.files);
    var button = form.querySelector("button[type=submit]");
    button.disabled = true;
    var url = form.getAttribute("data-import-one");
    files.reduce(function (chain, file) {
      return chain.then(function () { return sendOne(url, results, file); });
    }, Promise.resolve()).finally(function () {
      button.disabled = false;
      form.reset();
    });
  });
})();
