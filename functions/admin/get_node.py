"""GET /v1/admin/nodes/{node_id}[?withScopes=true] — one node, for operators."""

from nodeshare.domain.nodes import get_node_for_operator
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import admin_node


@endpoint("get_admin_node")
def get_node(request: Request):
    node = get_node_for_operator(request.principal, request.path_node_id(), request.now)
    return admin_node(node, with_scopes=request.query_bool("withScopes"))


handler = get_node
