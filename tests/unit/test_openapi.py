"""The OpenAPI document is generated from the route table, committed, and valid."""

import json
from pathlib import Path

from nodeshare.http.openapi import document
from nodeshare.routes import ROUTES, Caller
from openapi_spec_validator import validate

COMMITTED = Path(__file__).resolve().parents[2] / "openapi.json"


def test_the_committed_document_is_the_generated_one():
    assert json.loads(COMMITTED.read_text()) == json.loads(json.dumps(document())), "run `make openapi`"


def test_the_document_is_valid_openapi_and_covers_every_route():
    generated = document()
    validate(generated)
    operations = {
        operation["operationId"] for methods in generated["paths"].values() for operation in methods.values()
    }
    assert operations == {route.operation for route in ROUTES}


def test_public_routes_need_no_token_device_routes_a_thing_token_and_the_others_a_users():
    for route in ROUTES:
        operation = document()["paths"][route.path][route.method.lower()]
        if route.public:
            expected = []
        elif route.caller is Caller.THING:
            expected = [{"thing": []}]
        else:
            expected = [{"cognito": []}]
        assert operation["security"] == expected, route.operation
