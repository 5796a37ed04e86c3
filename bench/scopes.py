"""Scopes and discovery (EVRYTHNG, issue 10): what discovering nodes and products and checking a
scope cost, at two table sizes — about 10 nodes, 1 project and 1 product, then about 5,000
nodes, 200 projects and 200 products — for a user in one project.

Measured: `GET /v1/things` and `GET /v1/products` (a page of 25, with entries in the index for
all of it), a claim whose scope holds through the project, an operator's scope change of a node
and of a product (`+id`), creating a product into the project, reading one and a page of every
product, and adding a user to a project. Target: the same round trips at both sizes, and no Scan.

Beside the verdict, the one thing discovery's cost does grow with: the caller's own projects (one
Query per project it is in, at most `MAX_PROJECTS_PER_USER`), shown for a user in 1 and in 100
projects at the large size.

Setup, not measured: the tables are filled straight in the emulator (projects, products, nodes
nobody owns scoped to everyone or to a project), with the discovery entries the stream processor
would write for them; the bench holds stream delivery back, so it writes the entries of what it
creates through the API itself (`store.discovery.reindex`, `reindex_product`), as the processor
would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bench.counting import Cost
from bench.scenario import _local_stack, _measure
from tests.support.client import LIGHT_CONFIG, LIGHT_PARAMS, Api, Caller, unique_node_id

# Tables by nodes (as `scenario._seed_to` fills them): projects, products, and nodes nobody owns.
PROJECTS = {10: 1, 5000: 200}
PRODUCTS = {10: 1, 5000: 200}
UNCLAIMED_SHARE = 10  # one node in 10 is one nobody owns, in the discovery index
EMPTY_CONFIG = {"info": {}, "devices": []}  # a seeded node's config, on its config item
MANY_PROJECTS = 100  # `domain.projects.MAX_PROJECTS_PER_USER`

THINGS, PRODUCTS_PAGE = "GET /v1/things (page of 25)", "GET /v1/products (page of 25)"
CLAIM = "claim_node (in scope by project)"
NODE_SCOPES, PRODUCT_SCOPES = "PUT admin node scopes +id", "PUT admin product scopes +id"
CREATE, GET_ONE, LIST_ALL = "POST admin product ?project=", "GET admin product", "GET admin products (25)"
JOIN = "PUT project users +id"
IN_MANY = "GET /v1/things, caller in 100 projects"


@dataclass
class Setup:
    member: Caller  # in the one real project
    project_id: str


_setup: Setup | None = None
_seeded = {"projects": 0, "products": 0, "nodes": 0}


def _put(item: dict[str, Any]) -> dict[str, Any]:
    from boto3.dynamodb.types import TypeSerializer

    serializer = TypeSerializer()
    return {"PutRequest": {"Item": {key: serializer.serialize(value) for key, value in item.items()}}}


def _write(stack: Any, table: str, items: list[dict[str, Any]]) -> None:
    import boto3

    dynamodb = boto3.client("dynamodb", endpoint_url=stack.emulator_endpoint, region_name="us-east-1")
    for start in range(0, len(items), 25):
        dynamodb.batch_write_item(RequestItems={table: [_put(item) for item in items[start : start + 25]]})


def _scoped(index: int, projects: list[str]) -> tuple[dict[str, list[str]], str]:
    """Half the seeded nodes and products are scoped to everyone, half to one seeded project each:
    their scopes and their discovery partition."""
    if index % 2:
        return {"users": ["all"], "projects": []}, "user:all"
    project = projects[index % len(projects)]
    return {"users": [], "projects": [project]}, f"project:{project}"


def _seed(stack: Any, size: int) -> list[str]:
    """Projects, products and nodes nobody owns up to `size`'s numbers; the seeded project ids."""
    from nodeshare.domain.resource_ids import new_resource_id
    from nodeshare.domain.secrets import hash_secret

    projects = [f"seedproject{index:013d}" for index in range(PROJECTS[size])]
    groups: list[dict[str, Any]] = [
        {
            "group_id": project,
            "kind": "project",
            "owner_user_id": "project",
            "name": "seeded",
            "created_at": 0,
        }
        for project in projects[_seeded["projects"] :]
    ]
    entries: list[dict[str, Any]] = []
    for index in range(_seeded["products"], PRODUCTS[size]):
        product_id = new_resource_id()
        scopes, partition = _scoped(index, projects)
        groups.append({"group_id": product_id, "kind": "product", "owner_user_id": "product",
                       "name": "seeded", "scopes": scopes, "created_at": 0, "updated_at": 0,
                       "version": 0})  # fmt: skip
        entries.append({"scope": f"product/{partition}", "node_id": product_id})
    nodes: list[dict[str, Any]] = []
    secret_hash = hash_secret("seeded-secret")
    unclaimed = max(1, size // UNCLAIMED_SHARE)
    for index in range(_seeded["nodes"], unclaimed):
        node_id = f"open{index:06d}"
        scopes, partition = _scoped(index, projects)
        nodes.append({"node_id": node_id, "catalog": "node", "name": "seeded", "type": "t",
                      "secret_hash": secret_hash, "params": {},
                      "tags": [], "scopes": scopes, "epoch": 0, "connected": False,
                      "connectivity_timestamp_ms": 0, "created_at": 0})  # fmt: skip
        entries.append({"scope": partition, "node_id": node_id})
    _write(stack, "nodeshare-groups", groups)
    _write(stack, "nodeshare-nodes", nodes)
    configs = [{"node_id": node["node_id"], "config": EMPTY_CONFIG} for node in nodes]
    _write(stack, "nodeshare-configs", configs)
    _write(stack, "nodeshare-discovery", entries)
    _seeded.update(projects=PROJECTS[size], products=PRODUCTS[size], nodes=unclaimed)
    return projects


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, (response.request.url, response.status_code, response.text)
    return response.json()


def _project_node(api: Api, project_id: str) -> str:
    """A node registered into the project, indexed as the stream processor would."""
    from nodeshare.store import discovery as discovery_store

    node_id = unique_node_id("bench")
    body = {"node_id": node_id, "name": "Light", "type": "Lightbulb", "secret": "bench-secret",
            "config": LIGHT_CONFIG, "params": LIGHT_PARAMS,
            "scopes": {"users": [], "projects": []}}  # fmt: skip
    _ok(api.operator.post(f"/v1/admin/nodes?project={project_id}", json=body), 201)
    discovery_store.reindex(node_id, None, {"node_id": node_id, "scopes": {"projects": [project_id]}})
    return node_id


def _project_product(api: Api, project_id: str) -> str:
    from nodeshare.store import discovery as discovery_store

    product = _ok(api.operator.post(f"/v1/admin/products?project={project_id}", json={"name": "Lamp"}), 201)
    image = {"kind": "product", "scopes": {"users": [], "projects": [project_id]}}
    discovery_store.reindex_product(product["id"], None, image)
    return str(product["id"])


def _set_up(api: Api) -> Setup:
    project_id = _ok(api.operator.post("/v1/admin/projects", json={"name": "bench"}), 201)["id"]
    member = api.user("bench-scoped")
    _ok(api.operator.put(f"/v1/admin/projects/{project_id}/users", json={"users": [member.user_id]}))
    return Setup(member, project_id)


def _in_many_projects(stack: Any, api: Api, projects: list[str]) -> Caller:
    """A user whose row names `MANY_PROJECTS` projects (as joining each would leave it)."""
    import boto3

    caller = api.user("bench-many")
    dynamodb = boto3.client("dynamodb", endpoint_url=stack.emulator_endpoint, region_name="us-east-1")
    dynamodb.update_item(
        TableName="nodeshare-users",
        Key={"user_id": {"S": caller.user_id}},
        UpdateExpression="ADD project_ids :p",
        ExpressionAttributeValues={":p": {"SS": projects[:MANY_PROJECTS]}},
    )
    return caller


def measure_scopes(size: int) -> dict[str, Cost]:
    """The figures with about `size` nodes in the tables (`scenario.measure_operations(size)` seeds
    them first) and `PROJECTS[size]` projects, `PRODUCTS[size]` products."""
    global _setup
    from bench.scenario import _seed_to

    stack, api = _local_stack()
    _seed_to(stack, size)
    seeded = _seed(stack, size)
    if _setup is None:
        _setup = _set_up(api)
    setup, costs = _setup, {}
    member, project = setup.member, setup.project_id
    node_id, product_id = _project_node(api, project), _project_product(api, project)

    page = _measure(costs, THINGS, lambda: member.get("/v1/things"), 200).json()
    assert node_id in [thing["node_id"] for thing in page["things"]] or "next_id" in page, page
    products = _measure(costs, PRODUCTS_PAGE, lambda: member.get("/v1/products"), 200).json()
    assert product_id in [each["id"] for each in products["products"]] or "next_id" in products, products
    claim = {"userID": member.user_id, "thingPassword": "bench-secret"}
    _measure(costs, CLAIM, lambda: member.post(f"/v1/things/{node_id}/ownership", json=claim), 204)
    other = _project_node(api, project)
    scopes = {"scopes": {"users": [f"+{member.user_id}"]}}
    _measure(costs, NODE_SCOPES, lambda: api.operator.put(f"/v1/admin/nodes/{other}", json=scopes), 200)
    create = {"name": "Lamp", "properties": {"watts": 5}}
    _measure(
        costs, CREATE, lambda: api.operator.post(f"/v1/admin/products?project={project}", json=create), 201
    )
    path = f"/v1/admin/products/{product_id}"
    _measure(costs, PRODUCT_SCOPES, lambda: api.operator.put(path, json=scopes), 200)
    _measure(costs, GET_ONE, lambda: api.operator.get(path), 200)
    _measure(costs, LIST_ALL, lambda: api.operator.get("/v1/admin/products"), 200)
    joiner = api.user("bench-joiner")
    users = {"users": [f"+{joiner.user_id}"]}
    _measure(costs, JOIN, lambda: api.operator.put(f"/v1/admin/projects/{project}/users", json=users), 200)
    if len(seeded) >= MANY_PROJECTS:
        many = _in_many_projects(stack, api, seeded)
        _measure(costs, IN_MANY, lambda: many.get("/v1/things"), 200)
    return costs
