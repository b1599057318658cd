"""The invoice editor's live totals (static/js/invoice-totals.js, run here with Node) agree with the server.

The browser only displays; the server counts. The same typed inputs go through the JS and through the real form
POST, and both must agree on which inputs can be counted and on every line amount and total.
"""
import json
import random
import shutil
import subprocess

import pytest
from sqlalchemy import select

from billing_desk.billing.invoices import MAX_QUANTITY
from billing_desk.billing.money import MAX_AMOUNT_MINOR
from billing_desk.config import ROOT_DIR
from billing_desk.extensions import db
from billing_desk.models import Invoice
from tests.factories import make_patient, make_service

TOTALS_JS = ROOT_DIR / "static" / "js" / "invoice-totals.js"
NODE_HARNESS = """
const totals = require(process.argv[1]);
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const out = input.cases.map((c) => totals.computeInvoice(c, input.limits));
process.stdout.write(JSON.stringify(out, (key, value) => typeof value === "bigint" ? value.toString() : value));
"""
FIXED_CASES = [
    {"lines": [("", "Consultation", "2", "1,500.50", "1")], "invoice_discount": "100"},
    {"lines": [(0, "", "1", "", "")], "invoice_discount": ""},
    {"lines": [(0, "", "3", "", "250"), (1, "X-ray, both views", "1", "12000.5", "0")], "invoice_discount": ".5"},
    {"lines": [("", "Dressing", "1", "0.01", "")], "invoice_discount": ""},
    {"lines": [("", "", "", "", ""), ("", "Dressing", " 2 ", " 75 ", "")], "invoice_discount": " 10 "},
    {"lines": [("", "Drip", "10000", "9999999.99", "")], "invoice_discount": ""},
    {"lines": [("", "Too dear", "10000", "100000000", "")], "invoice_discount": ""},
    {"lines": [("", "Over-discounted", "1", "100", "100.01")], "invoice_discount": ""},
    {"lines": [("", "Fine", "1", "100", "")], "invoice_discount": "100.01"},
    {"lines": [("", "Zero price", "1", "0", "")], "invoice_discount": ""},
    {"lines": [("", "Three decimals", "1", "1.005", "")], "invoice_discount": ""},
    {"lines": [("", "No quantity", "0", "50", "")], "invoice_discount": ""},
    {"lines": [("", "", "1", "50", "")], "invoice_discount": ""},
    {"lines": [("", "Exponent", "1", "1e3", "")], "invoice_discount": ""},
    {"lines": [("", "", "", "", "")], "invoice_discount": ""},
]


def random_cases(count, seed=11):
    rng = random.Random(seed)
    # Mostly amounts that can be counted, with the odd one that cannot.
    quantities = ["1", "2", "3", " 4 ", "007", "1", "2"] * 3 + ["0", "10000", "10001", "x", ""]
    prices = ["1500", "1,500.50", "0.01", " 75 ", ".5", "12.", ""] * 3 + [
        "0", "-5", "1.005", "abc", "9999999999.99", "10000000000.01", "-0"]
    discounts = ["", "", "", "0", "1", "100.5", "2,000"] * 3 + ["999999", "-1", "0.001"]
    cases = []
    for _ in range(count):
        lines = [
            (rng.choice(["", 0, 1]), rng.choice(["Item", "", "Bandage"]), rng.choice(quantities),
             rng.choice(prices), rng.choice(discounts))
            for _ in range(rng.randint(1, 4))
        ]
        cases.append({"lines": lines, "invoice_discount": rng.choice(["", "", "0", "10", ".5", "", "1e3", "50000", "-2"])})
    return cases


def browser_totals(cases, services):
    """What the editor's JS shows for each case, computed by Node from the same file the browser loads."""
    node = shutil.which("node")
    assert node, "Node.js is needed to check the browser's arithmetic"
    js_cases = [{
        "lines": [{
            "service": str(services[s].id) if s != "" else "", "description": d, "quantity": q,
            "unitPrice": p, "discount": disc,
            "servicePriceMinor": str(services[s].unit_price_minor) if s != "" else None,
        } for s, d, q, p, disc in case["lines"]],
        "invoiceDiscount": case["invoice_discount"],
    } for case in cases]
    payload = {"cases": js_cases, "limits": {"maxQuantity": MAX_QUANTITY, "maxAmountMinor": str(MAX_AMOUNT_MINOR)}}
    run = subprocess.run([node, "-e", NODE_HARNESS, str(TOTALS_JS)], input=json.dumps(payload),
                         capture_output=True, text=True, timeout=60, check=True)
    return json.loads(run.stdout)


def server_totals(client, patient, case, services, key):
    """(line amounts, subtotal, total) the server stores for the case, or None when it refuses the form."""
    data = {"submission_key": key, "currency": "NGN", "invoice_discount": case["invoice_discount"], "save": "1"}
    for n, (s, d, q, p, disc) in enumerate(case["lines"]):
        data.update({f"lines-{n}-service": str(services[s].id) if s != "" else "", f"lines-{n}-description": d,
                     f"lines-{n}-quantity": q, f"lines-{n}-unit_price": p, f"lines-{n}-discount": disc})
    response = client.post_form(f"/invoices/new?patient_id={patient.id}", data)
    if response.status_code == 422:
        return None
    assert response.status_code == 303, response.get_data(as_text=True)
    invoice = db.session.scalars(select(Invoice).where(Invoice.submission_key == key)).one()
    return [line.line_total_minor for line in invoice.lines], invoice.subtotal_minor, invoice.total_minor


def test_browser_and_server_agree_on_the_same_inputs(admin_client):
    patient = make_patient()
    services = [make_service(unit_price_minor=750000), make_service(unit_price_minor=1234)]
    cases = FIXED_CASES + random_cases(60)
    shown = browser_totals(cases, services)
    counted = 0
    for n, (case, browser) in enumerate(zip(cases, shown)):
        server = server_totals(admin_client, patient, case, services, key=f"case-{n}")
        if browser["totalMinor"] is None:
            assert server is None, (case, browser)
            continue
        counted += 1
        lines = [int(line["amountMinor"]) for line in browser["lines"] if line is not None]
        assert server == (lines, int(browser["subtotalMinor"]), int(browser["totalMinor"])), case
    assert counted >= 12  # the comparison covers invoices that were counted, not only refusals


def test_editor_gives_the_browser_prices_limits_and_the_currency_format(cashier_client):
    patient = make_patient()
    service = make_service(unit_price_minor=900000)
    html = cashier_client.get(f"/invoices/new?patient_id={patient.id}").get_data(as_text=True)
    assert f'data-price-minor="900000" value="{service.id}"' in html
    assert f"&#34;maxAmountMinor&#34;: {MAX_AMOUNT_MINOR}" in html and "&#34;NGN&#34;: &#34;en-NG&#34;" in html
    assert 'src="/static/js/invoice-totals.js"' in html and "<script>" not in html


def test_service_options_follow_the_chosen_currency(cashier_client):
    make_service(name="Naira X-ray", currency="NGN")
    cedi = make_service(name="Cedi lab panel", currency="GHS", unit_price_minor=4500, department="Laboratory")
    options = cashier_client.get("/invoices/service-options.json?currency=GHS").get_json()
    assert options[0]["value"] == "" and [o["value"] for o in options[1:]] == [str(cedi.id)]
    assert options[1] == {"value": str(cedi.id), "label": f"{cedi.code} — Cedi lab panel (GH₵45.00)",
                          "group": "Laboratory", "price_minor": "4500"}


@pytest.mark.parametrize("currency", ["", "EUR", "ngn"])
def test_service_options_refuse_an_unknown_currency(cashier_client, currency):
    assert cashier_client.get(f"/invoices/service-options.json?currency={currency}").status_code == 400
