"""GET /v1/user/nodes/params?nodeid= — the node's params, `{device: {param: value}}`."""

from nodeshare.domain.nodes import read_node
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request


@endpoint("get_node_params")
def get_node_params(request: Request):
    return read_node(request.principal, request.node_id(), request.now).node.params


handler = get_node_params
