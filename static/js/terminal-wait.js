// The waiting screen of a terminal payment: asks the desk for the push's status every second and shows it in
// the page's live region, without reloading. Stops once the payment is paid, expired, cancelled or replaced.
// Without this script the page refreshes itself (a <noscript> meta refresh) and shows the same things.
(function () {
  "use strict";
  var box = document.getElementById("push-status");
  if (!box || !window.fetch) { return; }
  var words = document.getElementById("push-status-words");
  var message = document.getElementById("push-status-message");
  var paid = document.getElementById("push-paid");
  var stop = document.getElementById("push-stop");
  var retry = document.getElementById("push-retry");
  var other = document.getElementById("push-other");  // absent when no other terminal is in use
  var RETRYABLE = ["expired", "cancelled", "replaced"];
  var INTERVAL_MS = 1000;

  // Screen readers announce every change of a live region: only write text that really changed.
  function setText(element, text) {
    if (element.textContent !== text) { element.textContent = text; }
  }

  function show(data) {
    setText(words, data.status_text);
    setText(message, data.message || "");
    box.className = "card push-status push-" + data.status;
    box.setAttribute("data-status", data.status);
    paid.hidden = data.status !== "paid";
    stop.hidden = data.finished;
    retry.hidden = RETRYABLE.indexOf(data.status) < 0;
    if (other) { other.hidden = data.status === "paid"; }
  }

  function poll() {
    fetch(box.getAttribute("data-status-url"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { if (!response.ok) { throw new Error(response.status); } return response.json(); })
      .then(function (data) {
        show(data);
        if (!data.finished) { window.setTimeout(poll, INTERVAL_MS); }
      })
      .catch(function () {
        // Signed out, or the desk server is unreachable: say so and keep trying, more slowly.
        setText(message, "No answer from the desk server; trying again…");
        window.setTimeout(poll, INTERVAL_MS * 3);
      });
  }

  if (["paid"].concat(RETRYABLE).indexOf(box.getAttribute("data-status")) < 0) {
    window.setTimeout(poll, INTERVAL_MS);
  }
})();
