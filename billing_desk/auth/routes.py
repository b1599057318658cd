from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from billing_desk.auth.access import public
from billing_desk.auth.forms import LoginForm
from billing_desk.auth.service import SignInRefused, authenticate
from billing_desk.extensions import limiter

bp = Blueprint("auth", __name__)


def safe_next(target):
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("invoices.index"))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            staff = authenticate(form.email.data, form.password.data)
        except SignInRefused as refused:
            form.password.errors.append(str(refused))
        else:
            login_user(staff)
            return redirect(safe_next(request.args.get("next")) or url_for("invoices.index"))
    return render_template("auth/login.html", form=form), (200 if not form.errors else 422)


@bp.post("/logout")
def logout():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.get("/")
def home():
    return redirect(url_for("invoices.index"))


@bp.get("/healthz")
@public
def healthz():
    return {"status": "ok"}
