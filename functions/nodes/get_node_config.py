"""GET /v1/user/nodes/config?nodeid= — the node's RainMaker config."""

from nodeshare.domain.nodes import read_node
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request


@endpoint("get_node_config")
def get_node_config(request: Request):
    return read_node(request.principal, request.node_id(), request.now).node.config


handler = get_node_config
