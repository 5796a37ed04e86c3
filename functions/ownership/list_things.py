"""GET /v1/things[?start_id=&num_records=][&withScopes=true] — scoped discovery: the nodes nobody
owns that the caller may claim (in its scope by user id, `all`, or a project of its), in id order,
each with its product (null: none); with `withScopes=true`, what puts the caller in its scope."""

from typing import Any

from nodeshare.domain.discovery import list_discoverable
from nodeshare.domain.scopes import seen_scopes
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import page_limit, thing


@endpoint("list_things")
def list_things(request: Request):
    principal = request.principal
    with_scopes = request.query_bool("withScopes")
    nodes, next_id, projects = list_discoverable(
        principal, request.query_node_id("start_id"), page_limit(request), request.now
    )
    body: dict[str, Any] = {
        "things": [
            thing(node, seen_scopes(principal, node.scopes, projects) if with_scopes else None)
            for node in nodes
        ]
    }
    if next_id:
        body["next_id"] = next_id
    return body


handler = list_things
