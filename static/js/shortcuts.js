// Keyboard shortcuts, declared in the pages: any element with data-shortcut="k" (and data-shortcut-label, the
// words the help lists) is reached by pressing k when no text field has the focus. Fields and containers get the
// focus (a container: its first control); links and buttons are pressed, unless data-shortcut-action="focus".
// "?" opens the list of the page's shortcuts; so does the footer's "Keyboard shortcuts" button.
(function () {
  "use strict";
  var CONTROLS = "input:not([type=hidden]), select, textarea, button, a[href], [tabindex]";

  function typing(target) {
    return target.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName);
  }

  function visible(element) { return element.offsetParent !== null || element === document.activeElement; }

  function shortcuts() {
    return Array.prototype.filter.call(document.querySelectorAll("[data-shortcut]"), visible);
  }

  function use(element) {
    var control = element.matches(CONTROLS) ? element : element.querySelector(CONTROLS);
    if (!control) { return; }
    var press = element === control && element.dataset.shortcutAction !== "focus" &&
      (control.tagName === "A" || control.tagName === "BUTTON");
    if (press) { control.click(); return; }
    control.focus();
    if (control.select && control.tagName === "INPUT") { control.select(); }
  }

  function helpDialog() {
    var dialog = document.getElementById("shortcut-help");
    if (dialog) { return dialog; }
    dialog = document.createElement("dialog");
    dialog.id = "shortcut-help";
    dialog.className = "shortcut-help";
    dialog.setAttribute("aria-labelledby", "shortcut-help-title");
    dialog.innerHTML = '<h2 id="shortcut-help-title">Keyboard shortcuts on this page</h2><dl class="facts"></dl>' +
      '<p class="hint">Shortcuts work when no text field has the focus: press Esc, or Tab out of the field, first.</p>' +
      '<form method="dialog"><button class="btn" type="submit">Close (Esc)</button></form>';
    document.body.appendChild(dialog);
    return dialog;
  }

  function showHelp() {
    var dialog = helpDialog();
    var list = dialog.querySelector("dl");
    list.textContent = "";
    var seen = {};
    shortcuts().concat([{ dataset: { shortcut: "?", shortcutLabel: "Show this list" } }]).forEach(function (element) {
      var key = element.dataset.shortcut;
      if (seen[key]) { return; }
      seen[key] = true;
      var term = document.createElement("dt");
      var kbd = document.createElement("kbd");
      kbd.className = "kbd";
      kbd.textContent = key;
      term.appendChild(kbd);
      var words = document.createElement("dd");
      words.textContent = element.dataset.shortcutLabel || element.textContent.trim();
      list.appendChild(term);
      list.appendChild(words);
    });
    if (!dialog.open) { dialog.showModal(); }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) { return; }
    if (event.key === "Escape" && typing(event.target) && event.target.form) { event.target.blur(); return; }
    if (typing(event.target) || document.querySelector("dialog[open]")) { return; }
    if (event.key === "?") { event.preventDefault(); showHelp(); return; }
    var match = shortcuts().filter(function (element) { return element.dataset.shortcut === event.key; })[0];
    if (match) { event.preventDefault(); use(match); }
  });
  document.querySelectorAll("[data-shortcut-help]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", showHelp);
  });
  window.DeskShortcuts = { showHelp: showHelp };
})();
