"""GET /v1/user/nodes[?node_details=true][&node_id=][&start_id=&num_records=] — the caller's nodes."""

from typing import Any

from nodeshare.domain.nodes import get_user_node
from nodeshare.domain.nodes import list_user_nodes as list_nodes
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import node_details, page_limit


@endpoint("list_user_nodes")
def list_user_nodes(request: Request):
    principal, with_details = request.principal, request.query_bool("node_details")
    node_id = request.query_node_id("node_id", "nodeid")
    if node_id:
        user_nodes, next_id, total = [get_user_node(principal, node_id, request.now)], None, 1
    else:
        page = list_nodes(principal, request.query_node_id("start_id"), page_limit(request), request.now)
        user_nodes, next_id, total = page.nodes, page.next_id, page.total
    body: dict[str, Any] = {"total": total}
    if with_details:
        body["node_details"] = [node_details(user_node) for user_node in user_nodes]
    else:
        body["nodes"] = [user_node.node.node_id for user_node in user_nodes]
    if next_id:
        body["next_id"] = next_id
    return body


handler = list_user_nodes
