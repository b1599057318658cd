// Optional price-list search for the invoice editor: typing finds services (GET /catalog/search.json) and
// picking one fills the first empty line row. Without this script the service selects do the same job.
(function () {
  "use strict";
  var form = document.getElementById("invoice-form");
  var holder = document.getElementById("service-picker");
  if (!form || !holder || !form.dataset.searchUrl || !window.fetch) { return; }

  holder.innerHTML =
    '<div class="field"><label for="service-search">Find a service in the price list</label>' +
    '<input id="service-search" type="search" autocomplete="off" aria-describedby="service-search-status">' +
    '<p class="hint" id="service-search-status" role="status"></p></div><ul id="service-results" class="actions"></ul>';
  var input = document.getElementById("service-search");
  var status = document.getElementById("service-search-status");
  var results = document.getElementById("service-results");
  var timer = null;

  function emptyRow() {
    var rows = form.querySelectorAll("[data-line-row]");
    for (var i = 0; i < rows.length; i++) {
      var description = rows[i].querySelector("input[id$='-description']");
      var select = rows[i].querySelector("select[id$='-service']");
      if (!description.value && !select.value) { return rows[i]; }
    }
    return null;
  }

  function pick(service) {
    var row = emptyRow();
    if (!row) { status.textContent = "No empty line left: press “Add another line” first."; return; }
    var select = row.querySelector("select[id$='-service']");
    select.value = String(service.id);
    if (select.value !== String(service.id)) {
      status.textContent = "That service is not offered in this currency.";
      return;
    }
    row.querySelector("input[id$='-description']").value = service.name;
    // Left empty, the unit price is the price list's, filled in by the server: no money arithmetic here.
    row.querySelector("input[id$='-unit_price']").value = "";
    status.textContent = service.name + " added to " + row.querySelector("legend").textContent + ".";
    input.value = "";
    results.innerHTML = "";
  }

  function search() {
    var q = input.value.trim();
    results.innerHTML = "";
    if (q.length < 2) { status.textContent = ""; return; }
    var currency = form.querySelector("select[name='currency']").value;
    var url = form.dataset.searchUrl + "?q=" + encodeURIComponent(q) + "&currency=" + encodeURIComponent(currency);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { if (!response.ok) { throw new Error(); } return response.json(); })
      .then(function (services) {
        status.textContent = services.length ? services.length + " found" : "No service matches.";
        services.slice(0, 10).forEach(function (service) {
          var item = document.createElement("li");
          var button = document.createElement("button");
          button.type = "button";
          button.className = "btn btn-small";
          button.textContent = service.code + " — " + service.name + " (" + service.unit_price_display + ")";
          button.addEventListener("click", function () { pick(service); });
          item.appendChild(button);
          results.appendChild(item);
        });
      })
      .catch(function () { status.textContent = "The price list search is not available; use the service lists below."; });
  }

  input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, 250); });
  input.addEventListener("keydown", function (event) { if (event.key === "Enter") { event.preventDefault(); } });
})();
