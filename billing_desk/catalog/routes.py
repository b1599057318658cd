"""The price list (everyone signed in reads it; administrators change it) and the desk settings."""
from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user

from billing_desk.auth.access import admin_required
from billing_desk.billing.money import CURRENCIES
from billing_desk.bounds import page_number
from billing_desk.catalog import service as catalog
from billing_desk.catalog.forms import ServiceForm, SettingsForm, basis_points_to_percent
from billing_desk.extensions import db
from billing_desk.models import Service

bp = Blueprint("catalog", __name__, url_prefix="/catalog")


@bp.get("/")
def index():
    q = request.args.get("q", "").strip()
    active_only = request.args.get("active") == "1"
    page = page_number()
    pagination = catalog.search_services(q, active_only=active_only, page=page)
    filters = {k: v for k, v in (("q", q), ("active", "1" if active_only else "")) if v}
    return render_template("catalog/index.html", q=q, active_only=active_only, pagination=pagination,
                           filters=filters)


@bp.get("/search.json")
def search_json():
    """Active services for the invoice line picker: `q` matches code, name or department."""
    currency = request.args.get("currency", "").strip().upper() or None
    if currency is not None and currency not in CURRENCIES:
        abort(400, f"Currency must be one of {', '.join(CURRENCIES)}.")
    return jsonify(catalog.search_active_for_picker(request.args.get("q", "").strip(), currency))


def _render_form(form, service=None, status=200):
    return render_template("catalog/form.html", form=form, service=service,
                           departments=catalog.departments()), status


@bp.route("/new", methods=["GET", "POST"])
@admin_required
def new():
    form = ServiceForm()
    if not form.validate_on_submit():
        return _render_form(form, status=422 if form.errors else 200)
    try:
        service = catalog.create_service(form.details(), actor_id=current_user.id)
    except catalog.CodeTaken:
        form.code.errors.append("Another service already has this code.")
        return _render_form(form, status=422)
    db.session.commit()
    flash(f"{service.code} {service.name} is on the price list.", "success")
    return redirect(url_for(".index", q=service.code))


@bp.route("/<id:service_id>/edit", methods=["GET", "POST"])
@admin_required
def edit(service_id):
    service = db.get_or_404(Service, service_id)
    form = ServiceForm.for_service(service)
    if not form.validate_on_submit():
        return _render_form(form, service, status=422 if form.errors else 200)
    try:
        changed = catalog.update_service(service, form.details(), actor_id=current_user.id)
    except catalog.CodeTaken:
        form.code.errors.append("Another service already has this code.")
        return _render_form(form, service, status=422)
    db.session.commit()
    flash(f"{service.code} saved; invoices already made keep their prices." if changed else "Nothing was changed.",
          "success" if changed else "info")
    return redirect(url_for(".index", q=service.code))


@bp.route("/settings", methods=["GET", "POST"])
@admin_required
def settings():
    form = SettingsForm(cashier_max_discount=basis_points_to_percent(catalog.get_cashier_max_discount_bp()))
    if not form.validate_on_submit():
        return render_template("catalog/settings.html", form=form), (422 if form.errors else 200)
    catalog.set_cashier_max_discount_bp(form.basis_points, actor_id=current_user.id)
    db.session.commit()
    flash("Settings saved.", "success")
    return redirect(url_for(".settings"))
