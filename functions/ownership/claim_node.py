"""POST /v1/things/{node_id}/ownership {userID, thingPassword} — claim a node (Kii) -> 204."""

from nodeshare.domain.ownership import claim_node as claim
from nodeshare.http.endpoint import endpoint, no_content
from nodeshare.http.request import Request


@endpoint("claim_node")
def claim_node(request: Request):
    body = request.body()
    claim(request.principal, request.path["node_id"], body["userID"], body["thingPassword"], request.now)
    return no_content()


handler = claim_node
