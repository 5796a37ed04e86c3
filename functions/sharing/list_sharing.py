"""GET /v1/user/nodes/sharing[?node_id=] — per node, its primary and secondary users by e-mail."""

from nodeshare.domain.sharing import my_nodes_sharing, node_sharing
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import node_sharing as shape


@endpoint("list_sharing")
def list_sharing(request: Request):
    node_id = request.query_node_id("node_id", "nodeid")
    if node_id:
        sharings = [node_sharing(request.principal, node_id, request.now)]
    else:
        sharings = my_nodes_sharing(request.principal, request.now)
    return {"node_sharing": [shape(sharing) for sharing in sharings]}


handler = list_sharing
