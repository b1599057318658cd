// Paystack sandbox page: reload when the sandbox state changes (a push arrived, a webhook was delivered),
// but never while someone is typing in a field.
(function () {
  "use strict";
  var script = document.currentScript;
  var url = script && script.dataset.versionUrl;
  if (!url) { return; }
  var known = null;

  function busyTyping() {
    var el = document.activeElement;
    return el && (el.tagName === "INPUT" || el.tagName === "SELECT" || el.tagName === "TEXTAREA") && el.value !== "";
  }

  function poll() {
    fetch(url, { cache: "no-store" })
      .then(function (response) { return response.json(); })
      .then(function (body) {
        if (known === null) { known = body.version; }
        else if (body.version !== known && !busyTyping()) { window.location.replace(window.location.pathname); }
      })
      .catch(function () { /* sandbox restarting: try again next tick */ });
  }

  poll();
  window.setInterval(poll, 1500);
})();
