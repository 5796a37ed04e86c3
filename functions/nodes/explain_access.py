"""GET /v1/user/nodes/access?node_id=&action= — the decision on one action (default `read`) and
the sources and rules that produced it, for anyone who may see the node (else 404)."""

from nodeshare.domain.authorization import Action, explain
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import decision


@endpoint("explain_access")
def explain_access(request: Request):
    node_id = request.node_id()
    action = Action(request.query_choice("action", [action.value for action in Action], default="read"))
    return decision(node_id, action, explain(request.principal, action, node_id, request.now))


handler = explain_access
