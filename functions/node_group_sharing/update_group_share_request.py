"""PUT /v1/user/node_group/sharing/requests `{accept: true|false, request_id}` — the invitee accepts
or declines (esp-rainmaker-cli `group sharing accept` / `decline`)."""

from nodeshare.domain.group_sharing import accept_group_share_request, decline_group_share_request
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("update_group_share_request")
def update_group_share_request(request: Request):
    body = request.body()
    if body["accept"]:
        group_ids = accept_group_share_request(request.principal, body["request_id"], request.now)
        return success("Request accepted", group_ids=group_ids)
    decline_group_share_request(request.principal, body["request_id"], request.now)
    return success("Request declined")


handler = update_group_share_request
