"""POST /v1/admin/products[?project=P][&withScopes=true] `{name, description?, properties?, scopes?}`
— an operator creates a product -> 201, the product (its scopes only with `withScopes=true`)."""

from http import HTTPStatus

from nodeshare.domain.products import create_product as create
from nodeshare.http.endpoint import endpoint, json_response
from nodeshare.http.request import Request
from nodeshare.http.shapes import product


@endpoint("create_product")
def create_product(request: Request):
    with_scopes = request.query_bool("withScopes")
    created = create(request.principal, request.body(), request.query_project_id("project"), request.now)
    return json_response(HTTPStatus.CREATED, product(created, created.scopes if with_scopes else None))


handler = create_product
