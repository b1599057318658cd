// The invoice editor's arithmetic, for display while the cashier types. The server recomputes everything when
// the draft is saved and is the one that counts; tests/invoices/test_live_totals.py runs the same inputs through
// this file (with Node) and through the server and checks they agree. Amounts are BigInt minor units, so no
// floating point is involved. Works in the browser (window.InvoiceTotals) and in Node (module.exports).
(function (root) {
  "use strict";
  var AMOUNT_TEXT = /^(-?[0-9]+(\.[0-9]*)?|-?\.[0-9]+)$/;
  var WHOLE_NUMBER = /^[0-9]{1,9}$/;
  var MINOR_DIGITS = 2;

  // Mirrors billing_desk.billing.money.parse_amount: {minor} or {error}.
  function parseAmount(text, allowZero, maxMinor) {
    var cleaned = String(text == null ? "" : text).trim().replace(/,/g, "");
    if (!cleaned) { return { error: "Enter an amount." }; }
    if (!AMOUNT_TEXT.test(cleaned)) { return { error: "Enter the amount as a number, e.g. 1500 or 1500.50." }; }
    var negative = cleaned.charAt(0) === "-";
    var parts = cleaned.replace("-", "").split(".");
    var decimals = parts[1] || "";
    if (decimals.length > MINOR_DIGITS) { return { error: "Use at most " + MINOR_DIGITS + " decimal places." }; }
    while (decimals.length < MINOR_DIGITS) { decimals += "0"; }
    var minor = BigInt(parts[0] || "0") * BigInt(Math.pow(10, MINOR_DIGITS)) + BigInt(decimals);
    if (negative && minor > 0n) { return { error: "The amount cannot be negative." }; }
    if (minor === 0n && !allowZero) { return { error: "The amount must be more than zero." }; }
    if (minor > maxMinor) { return { error: "That amount is too large." }; }
    return { minor: minor };
  }

  var FIELDS = ["service", "description", "quantity", "unitPrice", "discount"];

  // Typed text as the server's filters leave it: trimmed.
  function trimmed(line) {
    var copy = { servicePriceMinor: line.servicePriceMinor };
    FIELDS.forEach(function (name) { copy[name] = String(line[name] == null ? "" : line[name]).trim(); });
    return copy;
  }

  function isBlank(line) {
    return !(line.service || line.description || line.unitPrice || line.discount);
  }

  // One row: {amountMinor} or {error}. `line.servicePriceMinor` is the chosen service's price list price.
  function lineAmount(line, limits) {
    if (!line.service && !line.description) { return { error: "Describe the item or pick a service." }; }
    if (!WHOLE_NUMBER.test(line.quantity || "")) { return { error: "Enter a whole number of items, e.g. 1 or 3." }; }
    var quantity = BigInt(line.quantity);
    if (quantity < 1n || quantity > BigInt(limits.maxQuantity)) {
      return { error: "The quantity must be a whole number from 1 to " + limits.maxQuantity + "." };
    }
    var price;
    if (line.unitPrice) {
      var typed = parseAmount(line.unitPrice, false, limits.maxAmountMinor);
      if (typed.error) { return typed; }
      price = typed.minor;
    } else if (line.servicePriceMinor != null) {
      price = BigInt(line.servicePriceMinor);
    } else {
      return { error: "Enter the unit price." };
    }
    var discount = 0n;
    if (line.discount) {
      var off = parseAmount(line.discount, true, limits.maxAmountMinor);
      if (off.error) { return off; }
      discount = off.minor;
    }
    var gross = quantity * price;
    if (discount > gross) { return { error: "The discount is more than the line comes to." }; }
    if (gross - discount > limits.maxAmountMinor) { return { error: "That line comes to more than any invoice can be." }; }
    return { amountMinor: gross - discount };
  }

  // The whole form: {lines: [per row: null when blank, else lineAmount()], subtotalMinor, totalMinor, error}.
  // Totals are null while any row or the invoice discount cannot be counted.
  function computeInvoice(input, limits) {
    limits = { maxQuantity: limits.maxQuantity, maxAmountMinor: BigInt(limits.maxAmountMinor) };
    var lines = input.lines.map(trimmed).map(function (line) { return isBlank(line) ? null : lineAmount(line, limits); });
    var result = { lines: lines, subtotalMinor: null, invoiceDiscountMinor: null, totalMinor: null, error: null };
    var counted = lines.filter(function (line) { return line !== null; });
    if (!counted.length) { result.error = "Add at least one line."; return result; }
    if (counted.some(function (line) { return line.error; })) { result.error = "A line cannot be counted yet."; return result; }
    var subtotal = counted.reduce(function (sum, line) { return sum + line.amountMinor; }, 0n);
    var discount = 0n;
    var typedDiscount = String(input.invoiceDiscount || "").trim();
    if (typedDiscount) {
      var off = parseAmount(typedDiscount, true, limits.maxAmountMinor);
      if (off.error) { result.error = off.error; return result; }
      discount = off.minor;
    }
    if (subtotal > limits.maxAmountMinor) { result.error = "The lines come to more than any invoice can be."; return result; }
    if (discount > subtotal) { result.error = "The invoice discount is more than the subtotal."; return result; }
    result.subtotalMinor = subtotal;
    result.invoiceDiscountMinor = discount;
    result.totalMinor = subtotal - discount;
    return result;
  }

  // 150050n → "1500.50", for Intl.NumberFormat (which formats decimal strings exactly).
  function majorText(minor) {
    var sign = minor < 0n ? "-" : "";
    var abs = minor < 0n ? -minor : minor;
    var cents = String(abs % 100n);
    return sign + String(abs / 100n) + "." + (cents.length < 2 ? "0" + cents : cents);
  }

  var api = { parseAmount: parseAmount, lineAmount: lineAmount, computeInvoice: computeInvoice, majorText: majorText };
  if (typeof module !== "undefined" && module.exports) { module.exports = api; } else { root.InvoiceTotals = api; }
})(this);
