"""DELETE /v1/user/nodes/sharing?nodes=a,b&user_name=x — the primary removes x from the nodes;
a secondary may remove itself (esp-rainmaker-cli `sharing remove_user`)."""

from nodeshare.domain.errors import BadRequest
from nodeshare.domain.sharing import remove_user
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.schemas import MAX_NODES
from nodeshare.http.shapes import success


@endpoint("remove_sharing")
def remove_sharing(request: Request):
    nodes = [node_id.strip() for node_id in request.required_query("nodes").split(",") if node_id.strip()]
    if not nodes or len(nodes) > MAX_NODES:
        raise BadRequest(f"nodes must list 1 to {MAX_NODES} node ids")
    remove_user(request.principal, nodes, request.required_query("user_name"), request.now)
    return success("User removed from the node(s)")


handler = remove_sharing
