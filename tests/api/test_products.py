"""EVRYTHNG products (issue 10): `/v1/admin/products…` for operators and `GET /v1/products` for the
users in a product's scope — every route with every kind of caller and bad input, through the
real handlers with API Gateway v2 events against moto."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from nodeshare.domain.resource_ids import ALPHABET
from nodeshare.store import products as product_store
from nodeshare.store.models import UserModel

from tests.api.conftest import OPERATOR, call
from tests.api.streams import Streams

ALICE, BOB, CAROL = ("u-alice", "u-bob", "u-carol")
PRODUCT_ID = re.compile(f"^[{ALPHABET}]{{24}}$")
NOT_FOUND = 107073
# The routes that name one product
BY_ID = [("get_admin_product", ""), ("update_admin_product", '{"name": "x"}'), ("delete_admin_product", "")]


def user(user_id: str) -> dict[str, str]:
    return {"sub": user_id, "username": user_id}  # what an access token carries


def body_of(response: dict[str, Any]) -> Any:
    return json.loads(response["body"])


def ok(response: dict[str, Any], status: int = 200) -> Any:
    assert response["statusCode"] == status, response["body"]
    return body_of(response)


def create(query: str = "", **fields: Any) -> dict[str, Any]:
    body = {"name": "Temperature Sensor Product", **fields}
    return ok(call("create_product", claims=OPERATOR, query=query, body=json.dumps(body)), 201)


def get(product_id: str, query: str = "withScopes=true") -> dict[str, Any]:
    return ok(call("get_admin_product", claims=OPERATOR, query=query, path_params={"product_id": product_id}))


def put(product_id: str, body: Any, query: str = "withScopes=true") -> dict[str, Any]:
    return call(
        "update_admin_product",
        claims=OPERATOR,
        query=query,
        body=json.dumps(body),
        path_params={"product_id": product_id},
    )


def mine(user_id: str, query: str = "") -> dict[str, Any]:
    return ok(call("list_products", claims=user(user_id), query=query))


def listed(user_id: str, num_records: int = 100) -> list[str]:
    """Every product `GET /v1/products` lists for the user, page after page."""
    found: list[str] = []
    query = f"num_records={num_records}"
    while True:
        page = mine(user_id, query)
        found.extend(product["id"] for product in page["products"])
        if "next_id" not in page:
            return found
        query = f"num_records={num_records}&start_id={page['next_id']}"


def sign_up(*user_ids: str) -> None:
    for user_id in user_ids:
        UserModel(user_id, user_name=f"{user_id}@x.test", created_at=0).save()


def project_with(*user_ids: str) -> str:
    project = ok(call("create_project", claims=OPERATOR, body=json.dumps({"name": "Pilot"})), 201)
    users = json.dumps({"users": list(user_ids)})
    ok(call("set_project_users", claims=OPERATOR, body=users, path_params={"project_id": project["id"]}))
    return str(project["id"])


# --- operators: create, read, list, change, delete ---------------------------------------------


def test_create_read_list_change_and_delete(aws):
    # Given an operator creates a product (EVRYTHNG's fields)
    created = create(description="A standard temperature sensor", properties={"temperature_celsius": 42})
    assert PRODUCT_ID.match(created["id"])
    assert created == {
        "id": created["id"],
        "name": "Temperature Sensor Product",
        "description": "A standard temperature sensor",
        "properties": {"temperature_celsius": 42},
        "created_at": created["created_at"],
        "updated_at": created["created_at"],
    }
    # Then it reads back, scopes only with withScopes=true: nobody by default (EVRYTHNG's)
    assert get(created["id"], query="") == created
    assert get(created["id"]) == {**created, "scopes": {"users": [], "projects": []}}
    # and operators list it, in id order, page by page
    others = [create()["id"] for _ in range(2)]
    page = ok(call("list_admin_products", claims=OPERATOR, query="num_records=100"))
    ids = [product["id"] for product in page["products"]]
    assert ids == sorted(ids) and set(ids) == {created["id"], *others}
    assert all("scopes" not in product for product in page["products"])
    first = ok(call("list_admin_products", claims=OPERATOR, query="num_records=2&withScopes=true"))
    assert [p["id"] for p in first["products"]] == ids[:2] and all("scopes" in p for p in first["products"])
    second = ok(
        call("list_admin_products", claims=OPERATOR, query=f"num_records=2&start_id={first['next_id']}")
    )
    assert [p["id"] for p in second["products"]] == ids[2:] and "next_id" not in second
    # When it is changed: name and description replace, properties replace the whole map
    changed = ok(
        put(created["id"], {"name": "Sensor", "description": "", "properties": {"on_duration_seconds": 3}})
    )
    assert (changed["name"], changed["description"]) == ("Sensor", "")
    assert changed["properties"] == {"on_duration_seconds": 3} and changed["scopes"] == created_scopes()
    assert ok(put(created["id"], {"properties": {}}))["properties"] == {}
    assert get(created["id"])["name"] == "Sensor"
    # When it is deleted it is gone, for every route
    deleted = call("delete_admin_product", claims=OPERATOR, path_params={"product_id": created["id"]})
    assert ok(deleted)["status"] == "success"
    for operation, body in BY_ID:
        gone = call(operation, claims=OPERATOR, body=body, path_params={"product_id": created["id"]})
        assert (gone["statusCode"], body_of(gone)["error_code"]) == (404, NOT_FOUND), operation


def created_scopes() -> dict[str, list[str]]:
    return {"users": [], "projects": []}


def test_project_on_create_scopes_the_product_to_it_and_scopes_follow_the_grammar(aws):
    project = "UmxHK6K8BXsa9KawRh4bTbqc"  # the seed's
    # ?project=P adds P to the given scopes, as +P would; the answer shows scopes only when asked
    hidden = create(query=f"project={project}", scopes={"users": ["a", "a", "b"]})
    assert "scopes" not in hidden
    assert get(hidden["id"])["scopes"] == {"users": ["a", "b"], "projects": [project]}
    shown = create(query=f"project={project}&withScopes=true", scopes={"projects": ["all"]})
    assert shown["scopes"] == {"users": [], "projects": ["all"]}
    # scopes on create are the grammar applied to none: +id adds, -id removes nothing
    assert create(query="withScopes=true", scopes={"users": ["+c"], "projects": ["-all"]})["scopes"] == {
        "users": ["c"],
        "projects": [],
    }
    # PUT: no prefix replaces, +id adds, -id removes, all is everyone, an omitted array is unchanged
    product_id = hidden["id"]
    steps = [
        ({"users": ["+c", "+a"]}, {"users": ["a", "b", "c"], "projects": [project]}),
        ({"users": ["-a", "-nobody"]}, {"users": ["b", "c"], "projects": [project]}),
        ({"projects": []}, {"users": ["b", "c"], "projects": []}),
        ({"users": ["+all"]}, {"users": ["all"], "projects": []}),
        ({"users": ["-all"], "projects": [f"+{project}"]}, {"users": [], "projects": [project]}),
    ]
    for update, expected in steps:
        assert ok(put(product_id, {"scopes": update}))["scopes"] == expected, update


def test_a_change_refused_by_a_racing_one_is_applied_again_so_both_take_effect(aws, monkeypatch):
    product_id = create(scopes={"users": ["b"]})["id"]
    original = product_store.update
    raced: list[bool] = []

    def racing_update(product, fields, now):
        if not raced:  # another operator's `-b` lands between this one's read and write
            raced.append(True)
            original(product, {"scopes": {"users": [], "projects": []}}, now)
        return original(product, fields, now)

    monkeypatch.setattr(product_store, "update", racing_update)
    assert ok(put(product_id, {"scopes": {"users": ["+a"]}}))["scopes"]["users"] == ["a"]
    assert raced and get(product_id)["scopes"] == {"users": ["a"], "projects": []}


# --- users: the products in their scope -----------------------------------------------------


def test_users_see_the_products_scoped_to_them_to_all_or_to_their_projects(aws):
    sign_up(ALICE, BOB, CAROL)
    streams = Streams()
    project = project_with(BOB)
    named = create(scopes={"users": [ALICE]})["id"]
    everyone = create(scopes={"users": ["all"]})["id"]
    through_project = create(query=f"project={project}")["id"]
    nobody = create()["id"]
    all_projects = create(scopes={"projects": ["all"]})["id"]
    # Nothing is listed before the stream has indexed them
    assert listed(ALICE) == []
    streams.deliver()
    # Then each user lists what its scopes reach, in id order, page by page (`all` matches
    # everyone, in either array: SPEC §1 "Scopes")
    assert listed(ALICE) == sorted([named, everyone, all_projects])
    assert listed(BOB) == sorted([everyone, through_project, all_projects])
    assert listed(BOB, num_records=1) == listed(BOB)
    assert listed(CAROL) == sorted([everyone, all_projects])  # a stranger: only what is everyone's
    assert nobody not in listed("op-1")
    # withScopes=true shows a user only what puts it in scope, never anyone else's entries
    shown = {p["id"]: p["scopes"] for p in mine(BOB, "withScopes=true")["products"]}
    assert shown[through_project] == {"users": [], "projects": [project]}
    assert shown[everyone] == {"users": ["all"], "projects": []}
    alice_view = {p["id"]: p["scopes"] for p in mine(ALICE, "withScopes=true")["products"]}
    assert alice_view[named] == {"users": [ALICE], "projects": []}
    assert all("scopes" not in p for p in mine(BOB)["products"])
    # Rescoping away, deletion and leaving the project count at once, before the stream runs
    ok(put(named, {"scopes": {"users": [f"-{ALICE}"]}}))
    ok(call("delete_admin_product", claims=OPERATOR, path_params={"product_id": everyone}))
    left = json.dumps({"users": [f"-{BOB}"]})
    ok(call("set_project_users", claims=OPERATOR, body=left, path_params={"project_id": project}))
    assert listed(ALICE) == listed(BOB) == [all_projects]
    # and the stream then tidies the index
    assert streams.deliver() > 0
    assert listed(ALICE) == listed(CAROL) == [all_projects]


# --- bad input: a clear 400 in the error shape, nothing written ---------------------------------

DEEP: Any = 1
for _ in range(9):
    DEEP = {"k": DEEP}

BAD_CREATES = [
    ("", "{}"),  # no name
    ("", '{"name": ""}'),
    ("", json.dumps({"name": "x" * 129})),
    ("", '{"name": 3}'),
    ("", '{"name": "x", "owner": "me"}'),  # an unknown field
    ("", json.dumps({"name": "x", "description": "d" * 1025})),
    ("", '{"name": "x", "properties": [1]}'),
    ("", json.dumps({"name": "x", "properties": {f"p{i}": i for i in range(101)}})),
    ("", '{"name": "x", "properties": {"": 1}}'),
    ("", json.dumps({"name": "x", "properties": {"k" * 65: 1}})),
    ("", json.dumps({"name": "x", "properties": {"deep": DEEP}})),
    ("", json.dumps({"name": "x", "properties": {"big": "x" * 9000}})),
    ("", '{"name": "x", "properties": {"n": 1e400}}'),
    ("", '{"name": "x", "properties": {"n": NaN}}'),
    ("", json.dumps({"name": "x", "scopes": {"users": [f"u{i}" for i in range(101)]}})),
    ("", '{"name": "x", "scopes": {"users": ["a", "+b"]}}'),
    ("", '{"name": "x", "scopes": {"users": ["+a", "-b"]}}'),
    ("", '{"name": "x", "scopes": {"users": ["+"]}}'),
    ("", '{"name": "x", "scopes": {"users": [""]}}'),
    ("", '{"name": "x", "scopes": {"projects": ["P1"]}}'),  # not a project id
    ("", '{"name": "x", "scopes": {"groups": ["a"]}}'),
    ("", '{"name": "x", "scopes": ["all"]}'),
    ("", "not json"),
    ("", ""),
    ("project=P1", '{"name": "x"}'),
    ("project=" + "p" * 129, '{"name": "x"}'),
    ("withScopes=maybe", '{"name": "x"}'),
]


@pytest.mark.parametrize(("query", "body"), BAD_CREATES)
def test_a_bad_create_is_a_400_and_creates_nothing(aws, query: str, body: str):
    response = call("create_product", claims=OPERATOR, query=query, body=body)
    assert response["statusCode"] == 400, response["body"]
    assert body_of(response)["status"] == "failure" and body_of(response)["error_code"] == 107001
    assert ok(call("list_admin_products", claims=OPERATOR))["products"] == []


BAD_UPDATES = [
    ("", "{}"),  # nothing to change
    ("", '{"id": "UmxHK6K8BXsa9KawRh4bTbqc"}'),  # the id is not changed
    ("", '{"name": ""}'),
    ("", '{"properties": null}'),
    ("", json.dumps({"properties": {"deep": DEEP}})),
    ("", '{"scopes": {"users": ["a", "+b"]}}'),
    ("", json.dumps({"scopes": {"users": [f"+n{i}" for i in range(99)]}})),  # 2 + 99 after it
    ("", '{"scopes": {"projects": ["+P1"]}}'),
    ("", "[]"),
    ("", ""),
    ("withScopes=2", '{"name": "y"}'),
]


@pytest.mark.parametrize(("query", "body"), BAD_UPDATES)
def test_a_bad_change_is_a_400_and_changes_nothing(aws, query: str, body: str):
    product = create(scopes={"users": ["a", "b"]}, properties={"k": 1})
    before = get(product["id"])
    response = call(
        "update_admin_product",
        claims=OPERATOR,
        query=query,
        body=body,
        path_params={"product_id": product["id"]},
    )
    assert response["statusCode"] == 400, response["body"]
    assert body_of(response)["error_code"] == 107001
    assert get(product["id"]) == before


BAD_PRODUCT_IDS = [
    "UmxHK6K8BXsa9KawRh4bTbq",  # 23 characters
    "UmxHK6K8BXsa9KawRh4bTbqcX",  # 25
    "UmxHK6K8BXsa9KawRh4bTbqi",  # i is not in the seed's alphabet
    "UmxHK6K8BXsa9KawRh4bTbq-",
    "ÜmxHK6K8BXsa9KawRh4bTbqc",  # not ASCII
]


@pytest.mark.parametrize("product_id", BAD_PRODUCT_IDS)
@pytest.mark.parametrize(("operation", "body"), BY_ID)
def test_a_malformed_product_id_is_a_400(aws, product_id: str, operation: str, body: str):
    response = call(operation, claims=OPERATOR, body=body, path_params={"product_id": product_id})
    assert response["statusCode"] == 400, response["body"]
    assert body_of(response)["error_code"] == 107001


@pytest.mark.parametrize(
    ("operation", "query"),
    [
        ("list_admin_products", "num_records=0"),
        ("list_admin_products", "num_records=101"),
        ("list_admin_products", "num_records=x"),
        ("list_admin_products", "start_id=bad!"),
        ("list_admin_products", "withScopes=yes"),
        ("list_products", "num_records=0"),
        ("list_products", "start_id=UmxHK6K8BXsa9KawRh4bTbqi"),
        ("list_products", "withScopes=yes"),
        ("get_admin_product", "withScopes=yes"),
    ],
)
def test_bad_paging_and_flags_are_a_400(aws, operation: str, query: str):
    product_id = create()["id"]
    claims = user(ALICE) if operation == "list_products" else OPERATOR
    response = call(operation, claims=claims, query=query, path_params={"product_id": product_id})
    assert response["statusCode"] == 400, response["body"]
    assert body_of(response)["error_code"] == 107001


# --- every kind of caller -------------------------------------------------------------------

ADMIN_ROUTES = [
    ("create_product", '{"name": "mine"}'),
    ("list_admin_products", ""),
    ("get_admin_product", ""),
    ("update_admin_product", '{"scopes": {"users": ["+u-alice"]}}'),
    ("delete_admin_product", ""),
]


@pytest.mark.parametrize(("operation", "body"), [*ADMIN_ROUTES, ("list_products", "")])
def test_an_anonymous_caller_gets_401(aws, operation: str, body: str):
    product_id = create(scopes={"users": ["all"]})["id"]
    response = call(operation, body=body, path_params={"product_id": product_id})
    assert (response["statusCode"], body_of(response)["error_code"]) == (401, 107010)
    assert get(product_id)["scopes"] == {"users": ["all"], "projects": []}


@pytest.mark.parametrize("body", ["", "not json", '{"name": ""}'])
@pytest.mark.parametrize(("operation", "_"), ADMIN_ROUTES)
def test_anyone_but_an_operator_gets_403_before_the_body_is_read(aws, operation: str, _: str, body: str):
    # even a user the product is scoped to, and whatever the body holds
    product_id = create(scopes={"users": [ALICE]})["id"]
    response = call(operation, claims=user(ALICE), body=body, path_params={"product_id": product_id})
    assert (response["statusCode"], body_of(response)["error_code"]) == (403, 107021)
    assert get(product_id)["name"] == "Temperature Sensor Product"
    assert len(ok(call("list_admin_products", claims=OPERATOR))["products"]) == 1


@pytest.mark.parametrize(("operation", "body"), BY_ID)
def test_an_unknown_product_is_a_404(aws, operation: str, body: str):
    response = call(
        operation, claims=OPERATOR, body=body, path_params={"product_id": "UmxHK6K8BXsa9KawRh4bTbqc"}
    )
    assert (response["statusCode"], body_of(response)["error_code"]) == (404, NOT_FOUND)


def test_ids_of_other_kinds_are_no_products(aws):
    """A project's id (an item of the same table) is not a product: 404, and nothing changes."""
    project = project_with()
    for operation, body in BY_ID:
        response = call(operation, claims=OPERATOR, body=body, path_params={"product_id": project})
        assert response["statusCode"] in (400, 404), response["body"]
    assert ok(call("get_project", claims=OPERATOR, path_params={"project_id": project}))["name"] == "Pilot"
