"""Request-wide wiring: sign-in enforcement, the input guard, template helpers, SQLite pragmas."""
from flask import current_app, request
from flask_login import current_user
from sqlalchemy import event

from billing_desk.auth.service import staff_for_session
from billing_desk.billing.money import format_money, to_major_text
from billing_desk.billing.states import LABELS as STATUS_LABELS
from billing_desk.extensions import db, login_manager
from billing_desk.inputs import refuse_unstorable_input
from billing_desk.models.payment import channel_label
from billing_desk.timeutil import shown, zone_caption


@login_manager.user_loader
def load_staff(session_id):
    return staff_for_session(session_id)


def _require_sign_in():
    """Deny by default: every endpoint needs a signed-in staff member unless its view is marked public."""
    if request.endpoint is None or request.endpoint == "static":
        return None
    view = current_app.view_functions.get(request.endpoint)
    if getattr(view, "is_public", False) or current_user.is_authenticated:
        return None
    return login_manager.unauthorized()


# (endpoint, label, admins only). Entries whose blueprint is not installed are skipped.
NAVIGATION = (
    ("desk.home", "My day", False),
    ("patients.index", "Patients", False),
    ("invoices.index", "Invoices", False),
    ("catalog.index", "Price list", False),
    ("shifts.mine", "My shift", False),
    ("approvals.index", "Approvals", False),
    ("shifts.index", "Shifts", True),
    ("admin.index", "Admin", True),
    ("terminals.index", "Terminals", True),
    ("reports.statistics", "Statistics", True),
    ("statements.aging_report", "Aging", True),
)


def nav_items(user):
    return [
        (endpoint, label)
        for endpoint, label, admins_only in NAVIGATION
        if endpoint in current_app.view_functions and (user.is_admin or not admins_only)
    ]


def _template_globals():
    from billing_desk.jobs import jobs_run_inline

    config = current_app.config
    return {
        "hospital_name": config["HOSPITAL_NAME"],
        "test_mode": config["TEST_MODE"],
        "jobs_inline": jobs_run_inline(),
        "nav_items": nav_items,
        "time_zone_caption": zone_caption(),
    }


def _enable_sqlite_foreign_keys(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return
    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def register(app):
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in to continue."
    login_manager.login_message_category = "info"
    app.before_request(_require_sign_in)
    app.before_request(refuse_unstorable_input)
    app.context_processor(_template_globals)
    app.add_template_filter(format_money, "money")
    app.add_template_filter(to_major_text, "major")
    app.add_template_filter(lambda status: STATUS_LABELS.get(status, status), "status_label")
    app.add_template_filter(channel_label, "channel_label")
    # `{{ moment|localtime }}` / `|localtime('%d %b %Y')`: stored UTC shown on the hospital's clock; the base
    # layout names the zone once per page.
    app.add_template_filter(shown, "localtime")
    _enable_sqlite_foreign_keys(app)
