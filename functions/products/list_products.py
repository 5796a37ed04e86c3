"""GET /v1/products[?withScopes=true][&start_id=&num_records=] — the products in the caller's
scope (its id, `all`, or one of its projects), in id order; with `withScopes=true`, what puts
the caller in each one's scope."""

from typing import Any

from nodeshare.domain.products import list_my_products
from nodeshare.domain.scopes import seen_scopes
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import page_limit, product


@endpoint("list_products")
def list_products(request: Request):
    principal = request.principal
    with_scopes = request.query_bool("withScopes")
    start_id = request.query_product_id("start_id")
    products, next_id, projects = list_my_products(principal, start_id, page_limit(request))
    body: dict[str, Any] = {
        "products": [
            product(each, seen_scopes(principal, each.scopes, projects) if with_scopes else None)
            for each in products
        ]
    }
    if next_id:
        body["next_id"] = next_id
    return body


handler = list_products
