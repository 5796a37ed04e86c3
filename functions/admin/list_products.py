"""GET /v1/admin/products[?withScopes=true][&start_id=&num_records=] — every product, in id order,
for operators."""

from typing import Any

from nodeshare.domain.products import list_all_products
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import page_limit, product


@endpoint("list_admin_products")
def list_products(request: Request):
    with_scopes = request.query_bool("withScopes")
    start_id = request.query_product_id("start_id")
    products, next_id = list_all_products(request.principal, start_id, page_limit(request))
    body: dict[str, Any] = {
        "products": [product(each, each.scopes if with_scopes else None) for each in products]
    }
    if next_id:
        body["next_id"] = next_id
    return body


handler = list_products
