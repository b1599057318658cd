// Price-list search for the invoice editor, usable from the keyboard alone: type two letters, ↓/↑ move through
// the matches, Enter adds the highlighted service to the first empty line (adding a line when none is empty),
// Escape closes the list. Services come from GET /catalog/search.json. Without this script the service selects
// on each line do the same job.
(function () {
  "use strict";
  var form = document.getElementById("invoice-form");
  var holder = document.getElementById("service-picker");
  if (!form || !holder || !form.dataset.searchUrl || !window.fetch) { return; }

  holder.innerHTML =
    '<div class="field picker"><label for="service-search">Find a service in the price list</label>' +
    '<input id="service-search" type="search" autocomplete="off" role="combobox" aria-autocomplete="list"' +
    ' aria-expanded="false" aria-controls="service-results" aria-describedby="service-search-hint service-search-status">' +
    '<p class="hint" id="service-search-hint">Type a code, name or department; ↓ and ↑ choose, Enter adds it to the invoice.</p>' +
    '<p class="hint" id="service-search-status" role="status"></p>' +
    '<ul id="service-results" class="picker-results" role="listbox" aria-label="Matching services" hidden></ul></div>';
  var input = document.getElementById("service-search");
  var status = document.getElementById("service-search-status");
  var list = document.getElementById("service-results");
  var found = [];
  var active = -1;
  var timer = null;

  function part(row, name) { return row.querySelector("[name$='-" + name + "']"); }

  function emptyRow() {
    var rows = window.InvoiceForm ? window.InvoiceForm.rows() : Array.prototype.slice.call(form.querySelectorAll("[data-line-row]"));
    var empty = rows.filter(function (row) { return !part(row, "description").value && !part(row, "service").value; })[0];
    return empty || (window.InvoiceForm ? window.InvoiceForm.addRow() : null);
  }

  function close() {
    list.hidden = true;
    list.textContent = "";
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    found = [];
    active = -1;
  }

  function highlight(index) {
    var options = list.querySelectorAll("[role='option']");
    if (!options.length) { return; }
    active = (index + options.length) % options.length;
    options.forEach(function (option, i) { option.setAttribute("aria-selected", i === active ? "true" : "false"); });
    input.setAttribute("aria-activedescendant", options[active].id);
    options[active].scrollIntoView({ block: "nearest" });
  }

  function pick(service) {
    var row = emptyRow();
    if (!row) { status.textContent = "No empty line left and no more lines can be added."; return; }
    var select = part(row, "service");
    select.value = String(service.id);
    if (select.value !== String(service.id)) { status.textContent = "That service is not offered in this currency."; return; }
    part(row, "description").value = service.name;
    part(row, "unit_price").value = "";  // empty: the price list's price, which the server fills in
    select.dispatchEvent(new Event("change", { bubbles: true }));
    status.textContent = service.name + " added to " + row.querySelector("legend").textContent + ".";
    input.value = "";
    close();
    input.focus();
  }

  function render(services) {
    close();
    found = services.slice(0, 10);
    status.textContent = services.length ? services.length + " found" : "No service matches.";
    found.forEach(function (service, index) {
      var item = document.createElement("li");
      item.id = "service-option-" + index;
      item.setAttribute("role", "option");
      item.setAttribute("aria-selected", "false");
      item.textContent = service.code + " — " + service.name + " (" + service.unit_price_display + ")";
      item.addEventListener("mousedown", function (event) { event.preventDefault(); pick(service); });
      list.appendChild(item);
    });
    if (found.length) {
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(0);
    }
  }

  function search() {
    var q = input.value.trim();
    if (q.length < 2) { close(); status.textContent = ""; return; }
    var currency = form.querySelector("select[name='currency']").value;
    var url = form.dataset.searchUrl + "?q=" + encodeURIComponent(q) + "&currency=" + encodeURIComponent(currency);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { if (!response.ok) { throw new Error(); } return response.json(); })
      .then(function (services) { if (input.value.trim() === q) { render(services); } })
      .catch(function () { status.textContent = "The price list search is not available; use the service lists below."; });
  }

  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 200); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      highlight(active + (event.key === "ArrowDown" ? 1 : -1));
    } else if (event.key === "Enter") {
      event.preventDefault();  // never submits the form from the search box
      if (active >= 0 && found[active]) { pick(found[active]); }
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", function () { setTimeout(close, 150); });
})();
