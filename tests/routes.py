"""The app's URL map as tests walk it: every rule with an example URL, for the auth matrix and the fuzzer."""
from werkzeug.routing import AnyConverter, IntegerConverter

from billing_desk.bounds import IdConverter

ID_CONVERTERS = (IdConverter, IntegerConverter)


def _example_value(converter, id_value, text_value):
    if isinstance(converter, ID_CONVERTERS):
        return id_value
    return min(converter.items) if isinstance(converter, AnyConverter) else text_value  # `any`: one of its choices


def example_url(app, rule, id_value=1, text_value="x"):
    """`rule` filled in: `id_value` for every id in the path, `text_value` for every other part."""
    values = {name: _example_value(converter, id_value, text_value) for name, converter in rule._converters.items()}
    with app.test_request_context():
        return app.url_for(rule.endpoint, **values, _external=False)


def app_rules(app):
    """Every rule of the app but static files, in a stable order."""
    return sorted((rule for rule in app.url_map.iter_rules() if rule.endpoint != "static"), key=lambda r: r.rule)
