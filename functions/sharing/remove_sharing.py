"""DELETE /v1/user/nodes/sharing?nodes=a,b&user_name=x — the primary removes x from the nodes;
a secondary may remove itself (esp-rainmaker-cli `sharing remove_user`)."""

from nodeshare.domain.sharing import remove_user
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("remove_sharing")
def remove_sharing(request: Request):
    nodes = request.query_node_ids("nodes")
    remove_user(request.principal, nodes, request.required_query("user_name"), request.now)
    return success("User removed from the node(s)")


handler = remove_sharing
