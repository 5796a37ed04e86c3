"""GET /v1/user/nodes/access?node_id=&action=&action_id= — the decision on one action (default
`read`; `action_id` names the node's action for `run`) and the sources, roles and rules that
produced it, for anyone who may see the node (else 404)."""

from nodeshare.domain.authorization import Action, explain
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import decision


@endpoint("explain_access")
def explain_access(request: Request):
    node_id = request.node_id()
    action = Action(request.query_choice("action", [action.value for action in Action], default="read"))
    action_id = request.query("action_id")
    return decision(node_id, action, explain(request.principal, action, node_id, request.now, action_id))


handler = explain_access
