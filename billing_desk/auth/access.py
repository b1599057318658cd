"""Access rules for views: everything needs sign-in (see `web._require_sign_in`) unless marked public."""
from functools import wraps

from flask import abort
from flask_login import current_user


def public(view):
    """Mark a view as reachable without signing in (login page, health checks, webhooks, patient links)."""
    view.is_public = True
    return view


def admin_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated or not current_user.is_admin:
            abort(403, "This page is for administrators.")
        return view(*args, **kwargs)

    return wrapper


def require_admin_for_blueprint(bp):
    """Make every view of `bp` admin-only."""

    @bp.before_request
    def _admins_only():
        if not current_user.is_authenticated or not current_user.is_admin:
            abort(403, "This page is for administrators.")
