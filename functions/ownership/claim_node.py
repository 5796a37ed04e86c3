"""POST /v1/things/{node_id}/ownership {userID | groupID, thingPassword} — claim a node with its
thing password, for the caller or a group of its (Kii) -> 204; 404 for anything refused, 429
after too many wrong passwords (`domain.ownership`)."""

from nodeshare import schemas
from nodeshare.domain.ownership import claim_node as claim
from nodeshare.http.endpoint import endpoint, no_content
from nodeshare.http.request import Request, validate


@endpoint("claim_node")
def claim_node(request: Request):
    body = request.body()
    node_id = validate(request.path["node_id"], schemas.NODE_ID)
    claim(
        request.principal,
        node_id,
        body.get("userID"),
        body.get("groupID"),
        body["thingPassword"],
        request.now,
    )
    return no_content()


handler = claim_node
