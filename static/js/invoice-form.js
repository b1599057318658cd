// The invoice editor without reloads: line amounts and totals as the cashier types (static/js/invoice-totals.js
// does the arithmetic, for display only), lines added and removed in place, and the services of a newly chosen
// currency swapped into the selects. Without this script the form works as before: "Add another line" submits.
(function () {
  "use strict";
  var form = document.getElementById("invoice-form");
  if (!form || !window.InvoiceTotals || !window.BigInt) { return; }
  var totals = window.InvoiceTotals;
  var limits = JSON.parse(form.dataset.limits);
  var locales = JSON.parse(form.dataset.locales);
  var section = form.querySelector("[aria-labelledby='lines-heading']");
  var currencySelect = form.querySelector("select[name='currency']");
  var addButton = form.querySelector("button[name='add_line']");

  function rows() { return Array.prototype.slice.call(form.querySelectorAll("[data-line-row]")); }
  function part(row, name) { return row.querySelector("[name$='-" + name + "']"); }

  function money(minor) {
    var currency = currencySelect.value;
    try {
      return new Intl.NumberFormat(locales[currency] || "en-US", { style: "currency", currency: currency })
        .format(totals.majorText(minor));
    } catch (e) { return currency + " " + totals.majorText(minor); }
  }

  function lineInput(row) {
    var select = part(row, "service");
    var option = select.options[select.selectedIndex];
    var price = option && option.dataset.priceMinor;
    return {
      service: select.value, description: part(row, "description").value, quantity: part(row, "quantity").value,
      unitPrice: part(row, "unit_price").value, discount: part(row, "discount").value,
      servicePriceMinor: price ? price : null,
    };
  }

  function show(name, text) { form.querySelector("[data-total='" + name + "']").textContent = text; }

  function recompute() {
    var all = rows();
    var result = totals.computeInvoice({
      lines: all.map(lineInput), invoiceDiscount: form.querySelector("[name='invoice_discount']").value,
    }, limits);
    all.forEach(function (row, index) {
      var line = result.lines[index];
      var out = row.querySelector("[data-line-amount]");
      out.hidden = false;
      out.textContent = line === null ? "Empty line: not counted." :
        line.error ? "Amount: not counted yet — " + line.error : "Amount: " + money(line.amountMinor);
    });
    show("subtotal", result.subtotalMinor === null ? "—" : money(result.subtotalMinor));
    show("discount", result.invoiceDiscountMinor === null ? "—" : "−" + money(result.invoiceDiscountMinor));
    show("total", result.totalMinor === null ? "—" : money(result.totalMinor));
    show("problem", result.error || "");
  }

  function renumber() {
    rows().forEach(function (row, index) {
      row.querySelector("legend").textContent = "Line " + (index + 1);
      var remove = row.querySelector("[data-remove-line]");
      if (remove) { remove.textContent = "Remove line " + (index + 1); }
    });
    addButton.disabled = rows().length >= limits.maxLines;
  }

  // Field names are "lines-<n>-<field>"; the server reads whatever indices are sent, so a new row takes one more
  // than the largest, and removing a row needs no renaming.
  function nextIndex() {
    return rows().reduce(function (max, row) {
      var match = /^lines-(\d+)-/.exec(part(row, "service").name);
      return Math.max(max, match ? Number(match[1]) + 1 : 0);
    }, 0);
  }

  function addRemoveButton(row) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-small btn-danger";
    button.dataset.removeLine = "";
    button.addEventListener("click", function () {
      var next = row.nextElementSibling || row.previousElementSibling;
      if (rows().length === 1) { clearRow(row); } else { row.remove(); }
      renumber();
      recompute();
      var focusTarget = next && next.matches("[data-line-row]") ? part(next, "service") : addButton;
      focusTarget.focus();
    });
    row.appendChild(button);
  }

  function clearRow(row) {
    row.querySelectorAll("input").forEach(function (input) { input.value = input.name.endsWith("-quantity") ? "1" : ""; });
    part(row, "service").value = "";
    row.querySelectorAll(".error").forEach(function (error) { error.remove(); });
    row.querySelectorAll(".has-error").forEach(function (box) { box.classList.remove("has-error"); });
    row.querySelectorAll("[aria-invalid]").forEach(function (input) { input.removeAttribute("aria-invalid"); });
  }

  function addRow() {
    var all = rows();
    var source = all[all.length - 1];
    var index = nextIndex();
    var copy = source.cloneNode(true);
    copy.querySelectorAll("[id], [for], [name], [aria-describedby]").forEach(function (node) {
      ["id", "for", "name", "aria-describedby"].forEach(function (attribute) {
        var value = node.getAttribute(attribute);
        if (value) { node.setAttribute(attribute, value.replace(/lines-\d+-/g, "lines-" + index + "-")); }
      });
    });
    copy.querySelector("[data-remove-line]").remove();
    addRemoveButton(copy);
    clearRow(copy);
    source.after(copy);
    renumber();
    recompute();
    part(copy, "service").focus();
    return copy;
  }

  function swapServiceOptions() {
    form.querySelectorAll("[data-currency-code]").forEach(function (node) { node.textContent = currencySelect.value; });
    var url = form.dataset.optionsUrl + "?currency=" + encodeURIComponent(currencySelect.value);
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) { if (!response.ok) { throw new Error(); } return response.json(); })
      .then(function (choices) {
        rows().forEach(function (row) { fillSelect(part(row, "service"), choices); });
        recompute();
      })
      .catch(function () { show("problem", "The services in this currency could not be loaded; press “Add another line”."); });
  }

  function fillSelect(select, choices) {
    var kept = select.value;
    select.textContent = "";
    var groups = {};
    choices.forEach(function (choice) {
      var option = new Option(choice.label, choice.value);
      if (choice.price_minor) { option.dataset.priceMinor = choice.price_minor; }
      if (!choice.group) { select.appendChild(option); return; }
      if (!groups[choice.group]) {
        groups[choice.group] = document.createElement("optgroup");
        groups[choice.group].label = choice.group;
        select.appendChild(groups[choice.group]);
      }
      groups[choice.group].appendChild(option);
    });
    select.value = kept;
    if (select.value !== kept) { select.value = ""; }
  }

  rows().forEach(addRemoveButton);
  addButton.addEventListener("click", function (event) {
    event.preventDefault();
    if (rows().length < limits.maxLines) { addRow(); }
  });
  form.addEventListener("input", recompute);
  form.addEventListener("change", function (event) {
    if (event.target === currencySelect) { swapServiceOptions(); } else { recompute(); }
  });
  form.querySelectorAll(".no-js-only").forEach(function (node) { node.hidden = true; });
  document.getElementById("live-totals").hidden = false;
  window.InvoiceForm = { addRow: addRow, rows: rows, recompute: recompute };
  renumber();
  recompute();
})();
