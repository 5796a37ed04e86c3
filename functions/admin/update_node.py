"""PUT /v1/admin/nodes/{node_id}[?withScopes=true] — an operator changes a node (scopes included)."""

from nodeshare.domain.nodes import update_node as update
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import admin_node


@endpoint("update_admin_node")
def update_node(request: Request):
    with_scopes = request.query_bool("withScopes")
    node = update(request.principal, request.path_node_id(), request.body(), request.now)
    return admin_node(node, with_scopes=with_scopes)


handler = update_node
