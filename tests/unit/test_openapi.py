"""The OpenAPI document is generated from the route table, committed, and valid."""

import ast
import json
from pathlib import Path

from nodeshare.http.openapi import ONE_OF, document
from nodeshare.routes import ROUTES, Caller, Route
from openapi_spec_validator import validate

REPO = Path(__file__).resolve().parents[2]
COMMITTED = REPO / "openapi.json"


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
        elif route.caller is Caller.USER_OR_THING:
            expected = [{"cognito": []}, {"thing": []}]
        else:
            expected = [{"cognito": []}]
        assert operation["security"] == expected, route.operation


# --- the query parameters in the document are the ones the handlers read ---
# `Request`'s query readers; each reads the names given (or a default name) from the query string.
READERS = {
    "query", "required_query", "query_bool", "query_choice", "query_int", "query_time_ms", "query_node_id",
    "query_node_ids", "query_email", "query_group_id", "query_group_ids", "query_project_id",
    "query_product_id", "query_id",
}  # fmt: skip
ALWAYS_REQUIRED = {"required_query", "query_node_ids", "query_group_ids"}
HELPERS = {"page_limit": ("num_records",), "query_target": ("node_id", "node_group")}
IGNORED = {"logout_all", "node_list"}  # what RainMaker clients send that nodeshare does not need


def _reads(route: Route) -> tuple[set[str], set[tuple[str, ...]]]:
    """The query names a route's handler reads, and the names (with aliases) it requires."""
    source = (REPO / "functions" / (route.handler.replace(".", "/") + ".py")).read_text()
    names: set[str] = set()
    required: set[tuple[str, ...]] = set()
    tree = ast.parse(source)
    # `for name in ("a", "b"): request.query_bool(name)` reads both.
    loops = {
        loop.target.id: tuple(item.value for item in loop.iter.elts if isinstance(item, ast.Constant))
        for loop in ast.walk(tree)
        if isinstance(loop, ast.For)
        and isinstance(loop.target, ast.Name)
        and isinstance(loop.iter, ast.Tuple)
    }
    for call in (node for node in ast.walk(tree) if isinstance(node, ast.Call)):
        func = call.func
        if isinstance(func, ast.Name) and func.id in HELPERS:
            names.update(HELPERS[func.id])
        if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)):
            continue
        if func.value.id != "request":
            continue
        if func.attr == "node_id":  # RainMaker's node id: `node_id` or `nodeid`, one required
            names.update(("node_id", "nodeid"))
            required.add(("node_id", "nodeid"))
        if func.attr not in READERS:
            continue
        given = tuple(arg.value for arg in call.args if isinstance(arg, ast.Constant))
        given += tuple(
            name for arg in call.args if isinstance(arg, ast.Name) for name in loops.get(arg.id, ())
        )
        given = given or (("group_id",) if func.attr == "query_group_id" else ())
        names.update(given)
        flag = {keyword.arg: keyword.value for keyword in call.keywords}.get("required")
        flag_set = isinstance(flag, ast.Constant) and flag.value is True
        group_default = func.attr == "query_group_id" and flag is None
        if func.attr in ALWAYS_REQUIRED or flag_set or group_default:
            required.add(given)
    return names, required


def test_every_query_parameter_a_handler_reads_is_documented_and_every_documented_one_is_read():
    for route in ROUTES:
        reads, _ = _reads(route)
        assert reads <= set(route.query), (route.operation, reads - set(route.query))
        assert set(route.query) - reads <= IGNORED, (route.operation, set(route.query) - reads)


def test_required_query_parameters_are_marked_required_and_either_of_two_names_described():
    for route in ROUTES:
        _, required = _reads(route)
        operation = document()["paths"][route.path][route.method.lower()]
        marked = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query" and p["required"]}
        either = {name for names in ONE_OF.get(route.operation, ()) for name in names}
        # A name required only without another (`?request=true` or `verification_code=`) is in ONE_OF.
        assert marked == {names[0] for names in required if len(names) == 1} - either, route.operation
        for names in (names for names in required if len(names) > 1):
            assert names in ONE_OF.get(route.operation, ()), (route.operation, names)
            for parameter in (p for p in operation["parameters"] if p["name"] in names):
                assert "One of" in parameter["description"] and not parameter["required"]


def test_every_route_documents_its_error_answers_in_the_error_shape():
    for route in ROUTES:
        responses = document()["paths"][route.path][route.method.lower()]["responses"]
        assert "default" in responses and "429" in responses, route.operation
        if not route.public:
            assert "401" in responses, route.operation
        if route.caller is Caller.OPERATOR:
            assert "403" in responses, route.operation
        if route.body is not None or route.query or "{" in route.path:
            assert "400" in responses, route.operation
        for status, response in responses.items():
            if status.startswith("4"):
                shared = document()["components"]["responses"][response["$ref"].rsplit("/", 1)[1]]
                assert "#/components/schemas/Error" in json.dumps(shared), (route.operation, status)
