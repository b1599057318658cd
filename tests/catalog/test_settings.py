import pytest
from sqlalchemy import select

from billing_desk.catalog.service import get_cashier_max_discount_bp, set_cashier_max_discount_bp
from billing_desk.extensions import db
from billing_desk.models import AppSetting, AuditEntry
from tests.factories import submit_form


def test_default_limit_is_ten_percent(app):
    assert get_cashier_max_discount_bp() == 1000


def test_set_limit_is_audited(app, admin):
    set_cashier_max_discount_bp(1250, actor_id=admin.id)
    set_cashier_max_discount_bp(0, actor_id=admin.id)
    db.session.commit()
    assert get_cashier_max_discount_bp() == 0
    entries = db.session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert [(e.action, e.actor_id, e.before["value"], e.after["value"]) for e in entries] == [
        ("setting.updated", admin.id, 1000, 1250), ("setting.updated", admin.id, 1250, 0)]


@pytest.mark.parametrize("value", [-1, 10001, 12.5, "1000", True])
def test_set_limit_refuses_impossible_values(app, admin, value):
    with pytest.raises(ValueError):
        set_cashier_max_discount_bp(value, actor_id=admin.id)


def test_unreadable_stored_limit_falls_back_to_default(app):
    db.session.add(AppSetting(key="cashier_max_discount_bp", value="lots"))
    db.session.commit()
    assert get_cashier_max_discount_bp() == 1000


def test_admin_sets_limit_in_percent(admin_client):
    page = admin_client.get("/catalog/settings").get_data(as_text=True)
    assert 'value="10"' in page and "Maximum discount a cashier may give, in percent" in page
    response = submit_form(admin_client, "/catalog/settings", {"cashier_max_discount": "12.5"})
    assert response.status_code == 302
    assert get_cashier_max_discount_bp() == 1250


@pytest.mark.parametrize("typed, message", [("", "Enter a percentage"), ("ten", "Enter a percentage"),
                                            ("101", "from 0 to 100"), ("-1", "from 0 to 100"),
                                            ("1.234", "at most 2 decimal places")])
def test_admin_limit_is_checked(admin_client, typed, message):
    response = submit_form(admin_client, "/catalog/settings", {"cashier_max_discount": typed})
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert get_cashier_max_discount_bp() == 1000
