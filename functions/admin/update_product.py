"""PUT /v1/admin/products/{product_id}[?withScopes=true] `{name?, description?, properties?,
scopes?}` — an operator changes a product (scopes by the grammar: replace, +id, -id); the product."""

from nodeshare.domain.products import update_product as update
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import product


@endpoint("update_admin_product")
def update_product(request: Request):
    with_scopes = request.query_bool("withScopes")
    product_id = request.path_product_id()
    updated = update(request.principal, product_id, request.body(), request.now)
    return product(updated, updated.scopes if with_scopes else None)


handler = update_product
