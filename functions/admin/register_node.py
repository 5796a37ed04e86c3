"""POST /v1/admin/nodes[?project=P][&withScopes=true] — an operator registers a node -> 201, the
node (its scopes only with `withScopes=true`)."""

from http import HTTPStatus

from nodeshare.domain.nodes import register_node as register
from nodeshare.http.endpoint import endpoint, json_response
from nodeshare.http.request import Request
from nodeshare.http.shapes import admin_node


@endpoint("register_node")
def register_node(request: Request):
    with_scopes = request.query_bool("withScopes")
    node = register(request.principal, request.body(), request.query_project_id("project"), request.now)
    return json_response(HTTPStatus.CREATED, admin_node(node, with_scopes=with_scopes))


handler = register_node
