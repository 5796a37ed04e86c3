"""What must be shown over HTTP (issue 10): a user who joins a project sees and may claim its nodes
and sees its products, and loses both when removed — against the local stack, its stream pollers
keeping the discovery index, with real JWTs. Every route's callers and bad input are api tests
(`tests/api/test_products.py`, `tests/api/test_node_scopes_and_products.py`)."""

from __future__ import annotations

from typing import Any

from tests.support.client import LIGHT_CONFIG, LIGHT_PARAMS, Api, Caller, unique_node_id
from tests.support.local_stack import wait_for

NOT_FOUND = {
    "status": "failure",
    "description": "Node not found or thing password incorrect",
    "error_code": 107031,
}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def set_users(api: Api, project_id: str, users: list[str]) -> None:
    ok(api.operator.put(f"/v1/admin/projects/{project_id}/users", json={"users": users}))


def project_node(api: Api, project_id: str) -> str:
    """A node registered into the project (`?project=`), in no one else's scope."""
    node_id = unique_node_id()
    body = {
        "node_id": node_id,
        "name": "Light",
        "type": "Lightbulb",
        "secret": "thing-secret-1",
        "config": LIGHT_CONFIG,
        "params": LIGHT_PARAMS,
        "scopes": {"users": [], "projects": []},
    }
    created = ok(api.operator.post(f"/v1/admin/nodes?project={project_id}", json=body), 201)
    assert "scopes" not in created  # only with ?withScopes=true
    return node_id


def things(caller: Caller) -> list[str]:
    return [thing["node_id"] for thing in ok(caller.get("/v1/things", params={"num_records": 100}))["things"]]


def products(caller: Caller, **params: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = ok(caller.get("/v1/products", params={"num_records": 100, **params}))[
        "products"
    ]
    return found


def product_ids(caller: Caller) -> list[str]:
    return [product["id"] for product in products(caller)]


def test_a_project_s_users_see_and_may_claim_its_nodes_and_see_its_products_until_removed(api: Api):
    # Given a project with a node and a product in it, and a witness in the project
    project = ok(api.operator.post("/v1/admin/projects", json={"name": "Field trial"}), 201)["id"]
    first, second = project_node(api, project), project_node(api, project)
    product = ok(api.operator.post(f"/v1/admin/products?project={project}", json={"name": "Lamp"}), 201)["id"]
    witness, member = api.user(), api.user()
    set_users(api, project, [witness.user_id])
    # (the stream indexes them a moment later; the witness sees when it has)
    assert wait_for(lambda: {first, second} <= set(things(witness)) and product in product_ids(witness), 20)

    # When the member is in no project: it sees neither, and its claim is answered as a wrong password
    assert not {first, second} & set(things(member)) and product not in product_ids(member)
    refused = api.claim(member, first)
    assert (refused.status_code, refused.json()) == (404, NOT_FOUND)

    # When it joins the project: it sees its nodes and its product on the next request, and may claim
    set_users(api, project, [f"+{member.user_id}"])
    assert {first, second} <= set(things(member)) and product in product_ids(member)
    shown = next(each for each in products(member, withScopes="true") if each["id"] == product)
    assert shown["scopes"] == {"users": [], "projects": [project]}
    assert api.claim(member, first).status_code == 204
    assert first not in things(member) and first not in things(witness)  # claimed: discoverable no more

    # When it is removed from the project: it loses both at once, before the stream runs
    set_users(api, project, [f"-{member.user_id}"])
    assert second not in things(member) and product not in product_ids(member)
    refused = api.claim(member, second)
    assert (refused.status_code, refused.json()) == (404, NOT_FOUND)
    # but scopes never touch a node's primary: the node it claimed stays its own
    assert member.get(f"/v1/user/nodes/params?nodeid={first}").status_code == 200
    assert second in things(witness) and product in product_ids(witness)
