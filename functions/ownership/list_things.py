"""GET /v1/things[?start_id=&num_records=] — scoped discovery: the nodes nobody owns that the caller
may claim (in its scope by user id, `all`, or a project of its), in id order."""

from typing import Any

from nodeshare.domain.discovery import list_discoverable
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import page_limit


@endpoint("list_things")
def list_things(request: Request):
    nodes, next_id = list_discoverable(
        request.principal, request.query_node_id("start_id"), page_limit(request), request.now
    )
    body: dict[str, Any] = {
        "things": [{"node_id": node.node_id, "name": node.name, "type": node.type} for node in nodes]
    }
    if next_id:
        body["next_id"] = next_id
    return body


handler = list_things
