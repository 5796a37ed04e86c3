"""DELETE /v1/admin/products/{product_id} — an operator deletes a product: no one sees it from the
next request on (nodes that name it keep the name)."""

from nodeshare.domain.products import delete_product as delete
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("delete_admin_product")
def delete_product(request: Request):
    delete(request.principal, request.path_product_id())
    return success("Product deleted")


handler = delete_product
