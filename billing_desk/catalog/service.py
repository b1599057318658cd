"""The price list and the settings administrators change at run time. Services flush, never commit."""
from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError

from billing_desk import audit
from billing_desk.billing.money import format_money
from billing_desk.extensions import db
from billing_desk.models import AppSetting, Service

PER_PAGE = 50
SEARCH_JSON_LIMIT = 20
AUDITED_FIELDS = ("code", "name", "department", "unit_price_minor", "currency", "active")
CASHIER_MAX_DISCOUNT_KEY = "cashier_max_discount_bp"
DEFAULT_CASHIER_MAX_DISCOUNT_BP = 1000  # 10 %
MAX_BASIS_POINTS = 10_000


class CodeTaken(Exception):
    """Another service already has this code."""


def _contains(column, text):
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return func.lower(column).like(f"%{escaped}%", escape="\\")


def matching_services(q, *, active_only=False, currency=None):
    query = select(Service)
    if q:
        query = query.where(or_(_contains(Service.code, q), _contains(Service.name, q),
                                _contains(Service.department, q)))
    if active_only:
        query = query.where(Service.active.is_(True))
    if currency:
        query = query.where(Service.currency == currency)
    return query.order_by(Service.department, Service.name, Service.id)


def search_services(q, *, active_only, page):
    return db.paginate(matching_services(q, active_only=active_only), page=page, per_page=PER_PAGE, error_out=False)


def search_active_for_picker(q, currency=None):
    """At most `SEARCH_JSON_LIMIT` active services for the invoice line picker, as JSON-ready dicts."""
    services = db.session.scalars(matching_services(q, active_only=True, currency=currency).limit(SEARCH_JSON_LIMIT))
    return [
        {
            "id": s.id, "code": s.code, "name": s.name, "department": s.department,
            "unit_price_minor": s.unit_price_minor, "currency": s.currency,
            "unit_price_display": format_money(s.unit_price_minor, s.currency),
        }
        for s in services
    ]


def departments():
    return list(db.session.scalars(select(Service.department).distinct().order_by(Service.department)))


def _code_in_use(code, exclude_id=None):
    query = select(Service.id).where(Service.code == code)
    if exclude_id is not None:
        query = query.where(Service.id != exclude_id)
    return db.session.scalar(query) is not None


def _flush_unique_code(code):
    """Flush in a savepoint, turning a lost race for the code into `CodeTaken`."""
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise CodeTaken(code) from None


def create_service(details, *, actor_id):
    """Add a price-list entry; raises `CodeTaken`."""
    if _code_in_use(details["code"]):
        raise CodeTaken(details["code"])
    service = Service(**details)
    db.session.add(service)
    _flush_unique_code(details["code"])
    audit.record("service.created", service, after=audit.snapshot(service, AUDITED_FIELDS), actor_id=actor_id)
    return service


def update_service(service, details, *, actor_id):
    """Change a price-list entry (issued invoices keep their own copies); False when nothing changed."""
    if details["code"] != service.code and _code_in_use(details["code"], exclude_id=service.id):
        raise CodeTaken(details["code"])
    before = audit.snapshot(service, AUDITED_FIELDS)
    for name, value in details.items():
        setattr(service, name, value)
    after = audit.snapshot(service, AUDITED_FIELDS)
    if after == before:
        return False
    _flush_unique_code(details["code"])
    audit.record("service.updated", service, before=before, after=after, actor_id=actor_id)
    return True


def _basis_points(raw):
    """A stored limit, or the default when it is missing or not a sensible number."""
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return DEFAULT_CASHIER_MAX_DISCOUNT_BP
    return value if 0 <= value <= MAX_BASIS_POINTS else DEFAULT_CASHIER_MAX_DISCOUNT_BP


def get_cashier_max_discount_bp():
    """The largest discount a cashier may give, in basis points (1000 = 10 %); the default until set."""
    setting = db.session.get(AppSetting, CASHIER_MAX_DISCOUNT_KEY)
    return _basis_points(setting.value if setting is not None else None)


def set_cashier_max_discount_bp(value, actor_id):
    """Store the cashier discount limit (0–10000 basis points) with an audit row; raises ValueError."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_BASIS_POINTS:
        raise ValueError(f"The limit must be a whole number of basis points from 0 to {MAX_BASIS_POINTS}.")
    setting = _locked_setting(CASHIER_MAX_DISCOUNT_KEY)
    before = _basis_points(setting.value)
    setting.value = str(value)
    db.session.flush()
    audit.record(
        "setting.updated", setting, actor_id=actor_id, note=CASHIER_MAX_DISCOUNT_KEY,
        before={"key": CASHIER_MAX_DISCOUNT_KEY, "value": before},
        after={"key": CASHIER_MAX_DISCOUNT_KEY, "value": value},
    )


def _locked_setting(key):
    """The setting's row, locked until the transaction ends; created (racing safely) when missing."""
    setting = db.session.get(AppSetting, key, with_for_update=True, populate_existing=True)
    if setting is None:
        try:
            with db.session.begin_nested():
                db.session.add(AppSetting(key=key, value=""))
        except IntegrityError:
            pass  # another transaction created it first; lock theirs
        setting = db.session.get(AppSetting, key, with_for_update=True, populate_existing=True)
    return setting
