"""EVRYTHNG products (seed 004, SPEC §1 "Scopes", §3.2 "Operators"): what a kind of node is — a
name, a description and `properties` — scoped like a node. Operators create, change and delete
them (`/v1/admin/products…`); a user sees those in its scope (`GET /v1/products`); a node may
name its product (`product` on registration and on an operator's PUT).

Storage, and why: products are items of the `groups` table (`kind` = "product", owner the
constant `product`), as projects are, not a table of their own. They are read by key (a GetItem,
or a BatchGetItem with the caller's row), listed by the `by_owner` index in id order for
operators, and no new table (nor its stream, IAM grants and local-stack wiring) is needed. Who
may see one is found like the nodes one may claim: the `discovery` table holds one entry per
scope entry of each product (partitions prefixed "product/", kept by the stream
processor from the groups table's stream), so `GET /v1/products` is one Query per scope entry of
the caller's (its id, `all` twice, each of its projects), never a Scan, and the one decision
(`authorization.decide_product`) then keeps those it may see now, from the product items and the
caller's row read in one BatchGetItem. The index lags the items by the stream's delay; the
decision never does: a product rescoped away, deleted, or of a project the caller just left is
left out at once.

- Ids are EVRYTHNG's: 24 characters of the seed's alphabet (`domain.resource_ids`).
- `POST /v1/admin/products[?project=P]` `{name, description?, properties?, scopes?}` → 201. The
  scopes are `domain.scopes.creation_scopes`: given ones through the grammar, else nobody
  (EVRYTHNG's default); `?project=P` adds `P`.
- `PUT /v1/admin/products/{id}` `{name?, description?, properties?, scopes?}` (at least one):
  `name` and `description` replace (an empty description clears it), `properties` replaces the
  whole map (`{}` clears it), `scopes` follow the grammar (`update_scopes`). One UpdateItem
  conditioned on the version read, re-applied to a fresh read when a racing change refused it, so
  two operators' `+a` and `-b` both take effect.
- `properties`: JSON values DynamoDB stores and gives back as sent (`stored_json.check_storable`,
  8 KB and 8 levels), at most 100 keys of 1 to 64 characters.
- Deleting a product leaves the nodes that name it naming it (the name then leads to a 404), as
  a deleted project stays in scopes.
"""

from __future__ import annotations

from typing import Any

from nodeshare.domain import authorization
from nodeshare.domain.resource_ids import new_resource_id
from nodeshare.domain.scopes import creation_scopes, default_product_scopes, update_scopes
from nodeshare.domain.stored_json import check_storable
from nodeshare.model.entities import Principal, Product
from nodeshare.model.errors import Conflict
from nodeshare.store import discovery as discovery_store
from nodeshare.store import products as product_store
from nodeshare.store import users as user_store

ATTEMPTS = 5  # a change refused by a racing one is re-applied to a fresh read


def create_product(principal: Principal, spec: dict[str, Any], project: str | None, now: int) -> Product:
    """An operator creates a product (the route is operators' only); checked before it is written."""
    properties = spec.get("properties") or {}
    check_storable(properties, "properties")
    product = Product(
        new_resource_id(),
        spec["name"],
        spec.get("description", ""),
        properties,
        creation_scopes(spec.get("scopes"), default_product_scopes(), project),
        created_at=now,
        updated_at=now,
    )
    product_store.create(product)
    return product


def list_all_products(
    principal: Principal, start_id: str | None, limit: int
) -> tuple[list[Product], str | None]:
    """Every product in id order, for operators (the route is operators' only)."""
    return product_store.list_page(start_id, limit)


def get_product(principal: Principal, product_id: str) -> Product:
    return authorization.authorize_product(principal, product_id)


def update_product(principal: Principal, product_id: str, spec: dict[str, Any], now: int) -> Product:
    """An operator changes a product (see the module's docstring)."""
    if "properties" in spec:
        check_storable(spec["properties"], "properties")
    for _ in range(ATTEMPTS):
        product = get_product(principal, product_id)
        fields: dict[str, Any] = {
            name: spec[name] for name in ("name", "description", "properties") if name in spec
        }
        if "scopes" in spec:
            fields["scopes"] = update_scopes(product.scopes, spec["scopes"])
        try:
            return product_store.update(product, fields, now)
        except Conflict:
            continue
    raise Conflict(f"Product {product_id} kept changing meanwhile; retry")


def delete_product(principal: Principal, product_id: str) -> None:
    for _ in range(ATTEMPTS):
        product = get_product(principal, product_id)
        try:
            product_store.delete(product)
        except Conflict:
            continue
        return
    raise Conflict(f"Product {product_id} kept changing meanwhile; retry")


def list_my_products(
    principal: Principal, start_id: str | None, limit: int
) -> tuple[list[Product], str | None, frozenset[str]]:
    """A page of the products in the caller's scope (its id, `all`, its projects), in id order,
    the id to go on from, and the caller's projects (for `scopes_seen_by`). Operators too see only
    the products in their scope here; `GET /v1/admin/products` lists every one."""
    user = user_store.get(principal.user_id)
    projects = user.project_ids if user else frozenset()
    candidates, more = discovery_store.page(
        discovery_store.scope_keys(principal.user_id, projects, discovery_store.PRODUCTS), start_id, limit
    )
    if not candidates:
        return [], None, projects
    visible, projects = authorization.authorize_products(principal, candidates)
    return visible, (candidates[-1] if more else None), projects
