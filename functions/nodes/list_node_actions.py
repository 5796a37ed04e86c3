"""GET /v1/user/nodes/actions?node_id= — the node's actions the caller may run now (Symphony
getActions), each with the `actionId` a role permission names it by."""

from nodeshare.domain.actions import list_actions
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("list_node_actions")
def list_node_actions(request: Request):
    node_id = request.node_id()
    return success("Actions", node_id=node_id, actions=list_actions(request.principal, node_id, request.now))


handler = list_node_actions
