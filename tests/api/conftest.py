"""API tests: keys made through `billing_desk.api.keys`, requests with a Bearer header and an Idempotency-Key."""
import itertools
import json

import pytest

from billing_desk.api import keys
from billing_desk.extensions import db

_idempotency = itertools.count(1)


class Api:
    """The test client speaking to /api/v1 as an integration: JSON bodies, a key, a fresh Idempotency-Key."""

    def __init__(self, client, secret):
        self.client, self.secret = client, secret

    def headers(self, extra=None, secret=None):
        return {"Authorization": f"Bearer {secret or self.secret}", **(extra or {})}

    def get(self, path, secret=None, **params):
        return self.client.get(f"/api/v1{path}", query_string=params, headers=self.headers(secret=secret))

    def post(self, path, body=None, *, key=None, secret=None, raw=None, headers=None):
        data = raw if raw is not None else json.dumps({} if body is None else body)
        extra = {"Idempotency-Key": key or f"test-{next(_idempotency)}", **(headers or {})}
        return self.client.post(f"/api/v1{path}", data=data, content_type="application/json",
                                headers=self.headers(extra, secret))


def new_key(scopes=("read", "write"), name="Hospital EMR", expires_at=None):
    made = keys.create_key(name=name, scopes=scopes, expires_at=expires_at, actor_id=None)
    db.session.commit()
    return made.secret


@pytest.fixture
def api(app):
    return Api(app.test_client(), new_key())


def error_of(response):
    body = response.get_json()
    assert set(body) == {"error", "request_id"}, body
    assert body["request_id"] == response.headers["X-Request-Id"]
    return body["error"]["code"], body["error"]["field"]
