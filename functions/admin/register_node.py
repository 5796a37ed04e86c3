"""POST /v1/admin/nodes[?project=P] — an operator registers a node."""

from http import HTTPStatus

from nodeshare.domain.nodes import register_node as register
from nodeshare.http.endpoint import endpoint, json_response
from nodeshare.http.request import Request
from nodeshare.http.shapes import admin_node


@endpoint("register_node")
def register_node(request: Request):
    node = register(request.principal, request.body(), request.query_id("project"), request.now)
    return json_response(HTTPStatus.CREATED, admin_node(node, with_scopes=True))


handler = register_node
