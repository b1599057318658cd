"""The issued invoice page puts the desk's work at the top: balance, take payment, print, email; history below."""
from billing_desk.extensions import db
from billing_desk.models import Invoice
from tests.factories import make_issued_invoice, make_patient
from tests.payments.helpers import pay_at_desk


def page(client, invoice):
    return client.get(f"/invoices/{invoice.id}").get_data(as_text=True)


def test_the_payment_panel_comes_first_with_the_balance_filled_in(cashier_client):
    invoice = make_issued_invoice(patient=make_patient(email="ada@example.org"), lines=((1_250_050, 1),))
    html = page(cashier_client, invoice)
    panel, lines, history = (html.index('class="card desk-panel"'), html.index("<h2>Lines</h2>"),
                             html.index('id="history"'))
    assert panel < lines < history
    assert html.index('id="desk-payment"') < lines and html.index("Send invoice by email") < panel
    assert 'name="amount" type="text" value="12500.50"' in html
    assert "₦12,500.50" in html[panel:lines]
    assert 'data-shortcut="a"' in html and 'data-shortcut="t"' in html and 'data-shortcut="h"' in html
    assert html.index('data-shortcut="m"') < panel
    assert 'src="/static/js/shortcuts.js"' in html and "<script>" not in html and "onclick" not in html


def test_a_part_paid_invoice_offers_what_is_left_and_prints_the_latest_receipt(cashier_client):
    invoice = make_issued_invoice(lines=((1_000_000, 1),))
    pay_at_desk(cashier_client, invoice, amount="2500")
    pay_at_desk(cashier_client, invoice, amount="1500")
    latest = db.session.get(Invoice, invoice.id).payments[-1]
    html = page(cashier_client, invoice)
    head = html[:html.index('class="card desk-panel"')]
    assert f'action="/payments/{latest.id}/receipt/a4"' in head and 'data-shortcut="r"' in head
    assert 'name="amount" type="text" value="6000.00"' in html


def test_a_draft_has_no_payment_panel_but_an_issue_shortcut(cashier_client):
    from tests.factories import make_draft_invoice

    draft = make_draft_invoice()
    html = page(cashier_client, draft)
    assert 'class="card desk-panel"' not in html
    assert 'data-shortcut="i" data-shortcut-action="focus"' in html and 'data-shortcut="e"' in html
