"""POST /v1/user/nodes/actions `{node_id, action_id}` — run one of the node's actions (Symphony
requestAction): its params are written as `PUT /v1/user/nodes/params` writes them."""

from nodeshare.domain.actions import run_action
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("run_node_action")
def run_node_action(request: Request):
    body = request.body()
    run_action(request.principal, body["node_id"], body["action_id"], request.now, request.now_ms)
    return success("Action run", node_id=body["node_id"], action_id=body["action_id"])


handler = run_node_action
