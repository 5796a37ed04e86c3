"""GET /v1/user/nodes/status?nodeid= — `{"connectivity": {"connected", "timestamp" (ms)}}`."""

from nodeshare.domain.nodes import read_node
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import connectivity


@endpoint("get_node_status")
def get_node_status(request: Request):
    return {"connectivity": connectivity(read_node(request.principal, request.node_id(), request.now).node)}


handler = get_node_status
