"""The OpenAPI 3.1 document at /api/v1/openapi.json and the docs page made from it."""
from billing_desk.api.spec import openapi_document


def test_the_document_is_openapi_3_1_and_covers_every_api_route(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document == openapi_document() and document["openapi"] == "3.1.0"
    documented = {(path, method.upper()) for path, ops in document["paths"].items() for method in ops}
    routes = {
        (rule.rule.replace("<int:", "{").replace(">", "}"), method)
        for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    } - {("/api/v1/openapi.json", "GET"), ("/api/v1/docs", "GET")}
    assert documented == routes


def test_every_post_documents_its_idempotency_key_and_every_operation_its_errors(app):
    for path, operations in openapi_document()["paths"].items():
        for method, operation in operations.items():
            assert {"401", "403", "429"} <= set(operation["responses"]), (method, path)
            if method == "post":
                assert any(p["name"] == "Idempotency-Key" and p["required"] for p in operation["parameters"])


def test_the_body_schemas_are_closed_and_amounts_are_integers(app):
    schemas = openapi_document()["components"]["schemas"]
    assert schemas["InvoiceIn"]["additionalProperties"] is False and schemas["LineIn"]["additionalProperties"] is False
    assert schemas["LineIn"]["properties"]["discount_minor"]["type"] == "integer"


def test_the_docs_page_reads_without_signing_in(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for text in ("POST /api/v1/invoices", "Idempotency-Key", "BillingDesk-Signature", "invoice.paid", "InvoiceOut"):
        assert text in html
