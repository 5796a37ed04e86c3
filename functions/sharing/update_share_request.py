"""PUT /v1/user/nodes/sharing/requests `{accept: true|false, request_id}` — the invitee accepts or
declines (esp-rainmaker-cli `sharing accept` / `decline`). A body with `nodes` and `user_name`
creates a request instead, as the spec lists both on this path; the route's schema admits exactly
one of the two forms (`schemas.UPDATE_SHARE_REQUEST`), so a body mixing them is a 400."""

from nodeshare.domain.sharing import accept_share_request, decline_share_request
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success
from nodeshare.http.sharing import create_share_request


@endpoint("update_share_request")
def update_share_request(request: Request):
    body = request.body()
    if "accept" not in body:
        return create_share_request(request, body)
    if body["accept"]:
        nodes = accept_share_request(request.principal, body["request_id"], request.now)
        return success("Request accepted", node_ids=nodes)
    decline_share_request(request.principal, body["request_id"], request.now)
    return success("Request declined")


handler = update_share_request
