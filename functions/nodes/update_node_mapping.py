"""PUT /v1/user/nodes/mapping `{node_id, operation, secret_key?, user_id?}`.

- `operation: "add"` with `secret_key` (what `esp-rainmaker-cli provision` / `test --addnode`
  send): a mapping request the node confirms -> `{"request_id"}` (`domain.mappings`).
- `operation: "remove"`: the caller leaves the node (the CLI's `removenode`). A primary leaving
  releases the node and every secondary with it.
"""

from nodeshare.domain.mappings import request_mapping
from nodeshare.domain.nodes import remove_mapping
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success
from nodeshare.model.errors import AccessDenied


@endpoint("update_node_mapping")
def update_node_mapping(request: Request):
    body = request.body()
    principal = request.principal
    if body.get("user_id") not in (None, principal.user_id):
        raise AccessDenied("A user may only add or remove their own mapping")
    if body["operation"] == "add":
        request_id = request_mapping(principal, body["node_id"], body.get("secret_key") or "", request.now)
        return success("Mapping requested; the node confirms it", request_id=request_id)
    role = remove_mapping(principal, body["node_id"], request.now)
    return success(f"Node removed ({role.value})", request_id="")


handler = update_node_mapping
