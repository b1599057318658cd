// Search as you type: a form with data-live-search="<results id>" asks the server for the results of what is
// typed (debounced; the same page with "X-Requested-With: fetch" answers with the results alone) and swaps them
// in. ↓ from the search box goes to the first result. Without this script the form submits as usual.
(function () {
  "use strict";
  var DELAY_MS = 250;
  document.querySelectorAll("form[data-live-search]").forEach(function (form) {
    var results = document.getElementById(form.dataset.liveSearch);
    var status = document.getElementById(form.dataset.liveSearch + "-status");
    var input = form.querySelector("input[type=search]");
    if (!results || !input || !window.fetch) { return; }
    var timer = null;
    var latest = 0;
    var shown = new URLSearchParams(new FormData(form)).toString();  // what the results on the page are for

    function search() {
      var ask = ++latest;
      var query = new URLSearchParams(new FormData(form)).toString();
      if (query === shown) { return; }  // already showing these (and the cashier may be in them)
      var url = form.action + "?" + query;
      fetch(url, { headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
        .then(function (response) { if (!response.ok) { throw new Error(); } return response.text(); })
        .then(function (html) {
          if (ask !== latest || query === shown) { return; }  // an older answer arriving after a newer one
          shown = query;
          results.innerHTML = html;
          var found = results.querySelector("[role=status]");
          if (status) { status.textContent = found ? found.textContent : ""; }
          window.history.replaceState(null, "", url);
        })
        .catch(function () { if (status) { status.textContent = "Search is not available; press Enter to search."; } });
    }

    input.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(search, DELAY_MS); });
    input.addEventListener("keydown", function (event) {
      if (event.key !== "ArrowDown") { return; }
      var first = results.querySelector("tbody a, a");
      if (first) { event.preventDefault(); first.focus(); }
    });
  });
})();
