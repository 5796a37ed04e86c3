"""EVRYTHNG products in the `groups` table (`kind` = "product", owner `PRODUCT_OWNER`).

Every change is one write conditioned on the product's `version` as read (and on its kind), so
two operators' edits never silently overwrite each other: the loser is refused (Conflict) and the
use case re-applies its change to a fresh read.
"""

from __future__ import annotations

from typing import Any

from pynamodb.expressions.update import Action

from nodeshare.model.entities import Product
from nodeshare.model.errors import Conflict
from nodeshare.store.access import group_item
from nodeshare.store.conditions import refused_as
from nodeshare.store.models import PRODUCT, PRODUCT_OWNER, GroupModel
from nodeshare.store.records import to_product

CHANGED = Conflict("The product changed meanwhile; retry")


def create(product: Product) -> None:
    item = GroupModel(
        product.product_id,
        kind=PRODUCT,
        owner_user_id=PRODUCT_OWNER,
        name=product.name,
        description=product.description or None,
        properties=product.properties or None,
        scopes=product.scopes,
        created_at=product.created_at,
        updated_at=product.updated_at,
        version=0,
    )
    with refused_as(Conflict("Product id collision; retry")):
        item.save(condition=GroupModel.group_id.does_not_exist())


def get(product_id: str) -> Product | None:
    """The product, strongly consistent; None for a missing id or any other kind of item."""
    item = group_item(product_id, PRODUCT)
    return to_product(item) if item is not None else None


def list_page(start_id: str | None, limit: int) -> tuple[list[Product], str | None]:
    """Every product in id order, one page (GSI `by_owner` under `PRODUCT_OWNER`: a Query)."""
    last_key = {"owner_user_id": {"S": PRODUCT_OWNER}, "group_id": {"S": start_id}} if start_id else None
    result = GroupModel.by_owner.query(PRODUCT_OWNER, limit=limit, last_evaluated_key=last_key)
    products = [to_product(item) for item in result]
    next_key = result.last_evaluated_key
    return products, (next_key["group_id"]["S"] if next_key else None)


def update(product: Product, fields: dict[str, Any], now: int) -> Product:
    """Set `fields` (name, description, properties, scopes; an empty description or properties
    removes the attribute) in one UpdateItem, if the product is still the version read. Returns
    the product as written."""
    actions: list[Action] = []
    for name, value in fields.items():
        attribute = getattr(GroupModel, name)
        actions.append(attribute.set(value) if value or name == "scopes" else attribute.remove())
    item = GroupModel(product.product_id)
    with refused_as(CHANGED):
        item.update(
            actions=[*actions, GroupModel.updated_at.set(now), GroupModel.version.add(1)],
            condition=(GroupModel.version == product.version) & (GroupModel.kind == PRODUCT),
        )
    return to_product(item)


def delete(product: Product) -> None:
    """Delete the product if it is still the version read; the stream processor then drops its
    discovery entries (until then listing leaves it out: its item is gone)."""
    with refused_as(CHANGED):
        GroupModel(product.product_id).delete(
            condition=(GroupModel.version == product.version) & (GroupModel.kind == PRODUCT)
        )
