"""GET /v1/admin/nodes[?withScopes=true][&node_id=][&start_id=&num_records=] — every node, for
operators (`node_id` narrows the list to that one node)."""

from typing import Any

from nodeshare.domain.nodes import get_node_for_operator, list_all_nodes
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import admin_node, page_limit


@endpoint("list_admin_nodes")
def list_nodes(request: Request):
    node_id = request.query_node_id("node_id", "nodeid")
    if node_id:
        nodes, next_id = [get_node_for_operator(request.principal, node_id, request.now)], None
    else:
        nodes, next_id = list_all_nodes(
            request.principal, request.query_node_id("start_id"), page_limit(request)
        )
    with_scopes = request.query_bool("withScopes")
    body: dict[str, Any] = {"nodes": [admin_node(node, with_scopes=with_scopes) for node in nodes]}
    if next_id:
        body["next_id"] = next_id
    return body


handler = list_nodes
