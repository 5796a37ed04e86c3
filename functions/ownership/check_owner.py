"""HEAD /v1/things/{node_id}/ownership/{user:<id> | group:<id>} — 204 when that user or group owns
the node, else 404; who may ask about whom is Kii's rule (`domain.ownership`)."""

from nodeshare.domain.ownership import check_owner as owns
from nodeshare.domain.ownership import parse_owner
from nodeshare.http.endpoint import endpoint, no_content
from nodeshare.http.request import Request
from nodeshare.model.errors import NodeNotFound


@endpoint("check_owner")
def check_owner(request: Request):
    owner = parse_owner(request.path["owner"])
    if not owns(request.caller, request.path["node_id"], owner, request.now):
        raise NodeNotFound(f"{owner} does not own node {request.path['node_id']}")
    return no_content()


handler = check_owner
