"""GET /v1/admin/products/{product_id}[?withScopes=true] — one product, for operators."""

from nodeshare.domain.products import get_product as get
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import product


@endpoint("get_admin_product")
def get_product(request: Request):
    with_scopes = request.query_bool("withScopes")
    found = get(request.principal, request.path_product_id())
    return product(found, found.scopes if with_scopes else None)


handler = get_product
