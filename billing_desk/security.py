"""Security headers, cookies and the proxy setting, applied to every response the app sends.

Flask-Talisman sets the headers: it is the maintained Flask extension for exactly this job, applies them to
every response (error pages and static files included) and takes per-view exceptions should one ever be
needed, so no blueprint sets its own. The policy is strict because the app has no inline script or style:
everything comes from /static, nothing may frame a page (clickjacking a cashier's "Refund" button), and
forms post only back to the app or to Paystack's pay page. HSTS and Secure cookies are on in production.
"""
from urllib.parse import urlsplit

from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

SELF = "'self'"


def _origin(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def content_security_policy(config):
    """The CSP of every page; "Pay online" posts to the desk, which redirects to Paystack's pay page."""
    form_targets = [SELF, _origin(config["PAYSTACK_PAY_URL_BASE"])]
    return {
        "default-src": SELF,
        "script-src": SELF,
        "style-src": SELF,
        "img-src": f"{SELF} data:",
        "font-src": SELF,
        "connect-src": SELF,
        "object-src": "'none'",
        "base-uri": "'none'",
        "frame-ancestors": "'none'",
        "form-action": " ".join(target for target in form_targets if target),
    }


def register(app):
    production = app.config["APP_ENV"] == "production"
    if production:
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    Talisman(
        app,
        force_https=False,  # TLS ends at the proxy; health checks arrive over plain HTTP
        strict_transport_security=production,
        session_cookie_secure=production,
        content_security_policy=content_security_policy(app.config),
        frame_options="DENY",
        # Same-origin keeps the patient's link token out of Paystack's logs and still lets Flask-WTF check
        # the Referer of form posts over HTTPS (it refuses posts without one).
        referrer_policy="same-origin",
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )
    proxies = app.config["TRUSTED_PROXIES"]
    if proxies:
        # Behind N proxies, the client is the address the Nth proxy saw: rate limits and sign-in locks key on it.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies)
