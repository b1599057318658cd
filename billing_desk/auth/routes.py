from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_user, logout_user

from billing_desk.auth.access import public
from billing_desk.auth.forms import LoginForm
from billing_desk.auth.service import SignInRefused, authenticate, sign_in_context
from billing_desk.extensions import db, limiter
from billing_desk.jobs.scheduler import sweep_last_ran
from billing_desk.reports.ops import readiness_problems

bp = Blueprint("auth", __name__)
START_PAGE = "desk.home"  # where signing in leads: the cashier's day

TOO_MANY_ATTEMPTS = ("Too many sign-in attempts from this computer. Wait a few minutes, then try again; "
                     "if you have forgotten your password, ask an administrator to reset it.")


def safe_next(target):
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks.

    `urlsplit` drops tabs and newlines as browsers do, so "/<tab>/evil.example" is seen as the host it is.
    """
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT"], methods=["POST"], error_message=TOO_MANY_ATTEMPTS,
               deduct_when=lambda response: response.status_code != 302)
def login():
    """Sign in. The outcome is committed either way: a refused attempt still counts toward the pause.

    Only refused attempts count toward the per-address `LOGIN_LIMIT` (a shared desk computer signs in all day).
    """
    if current_user.is_authenticated:
        return redirect(url_for(START_PAGE))
    form = LoginForm()
    if form.validate_on_submit():
        try:
            staff = authenticate(form.email.data, form.password.data, **sign_in_context())
        except SignInRefused as refused:
            db.session.commit()
            form.password.errors.append(str(refused))
        else:
            db.session.commit()
            login_user(staff)
            return redirect(safe_next(request.args.get("next")) or url_for(START_PAGE))
    return render_template("auth/login.html", form=form), (200 if not form.errors else 422)


@bp.post("/logout")
def logout():
    logout_user()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.get("/")
def home():
    return redirect(url_for(START_PAGE))


@bp.get("/healthz")
@public
def healthz():
    """Liveness: the process answers. It checks nothing else, so a database outage never restarts it."""
    return {"status": "ok"}


@bp.get("/readyz")
@public
def readyz():
    """Readiness: the database (and Redis, when jobs are queued) answer; 503 names the part that does not."""
    problems = readiness_problems()
    sweep = {"sweep_last_ran": sweep_last_ran()}
    if problems:
        return {"status": "unavailable", "failing": problems, **sweep}, 503
    return {"status": "ok", **sweep}
