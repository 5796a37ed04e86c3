"""PUT /v1/user/nodes/mapping `{node_id, operation: "remove", user_id?}` — the caller leaves the
node (the CLI's `removenode`). A primary leaving releases the node and every secondary with it.

`operation: "add"` (RainMaker's mapping request, confirmed by the node) belongs to the node
provisioning flow and is refused with a clear 400 until that flow exists.
"""

from nodeshare.domain.nodes import remove_mapping
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success
from nodeshare.model.errors import AccessDenied, BadRequest


@endpoint("update_node_mapping")
def update_node_mapping(request: Request):
    body = request.body()
    principal = request.principal
    if body["operation"] != "remove":
        raise BadRequest("Only operation 'remove' is supported; claim a node with its thing password")
    if body.get("user_id") not in (None, principal.user_id):
        raise AccessDenied("A user may only remove their own mapping")
    role = remove_mapping(principal, body["node_id"], request.now)
    return success(f"Node removed ({role.value})", request_id="")


handler = update_node_mapping
