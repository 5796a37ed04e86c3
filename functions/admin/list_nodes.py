"""GET /v1/admin/nodes[?withScopes=true&start_id=&num_records=] — every node, for operators."""

from nodeshare.domain.nodes import list_all_nodes
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import admin_node, page_limit


@endpoint("list_admin_nodes")
def list_nodes(request: Request):
    nodes, next_id = list_all_nodes(request.principal, request.query("start_id"), page_limit(request))
    with_scopes = request.query_bool("withScopes")
    body = {"nodes": [admin_node(node, with_scopes=with_scopes) for node in nodes]}
    if next_id:
        body["next_id"] = next_id
    return body


handler = list_nodes
