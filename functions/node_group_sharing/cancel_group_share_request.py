"""DELETE /v1/user/node_group/sharing/requests?request_id= — the requester cancels a pending group
share request (esp-rainmaker-cli `group sharing cancel`)."""

from nodeshare.domain.group_sharing import cancel_group_share_request as cancel
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("cancel_group_share_request")
def cancel_group_share_request(request: Request):
    cancel(request.principal, request.query_id("request_id", required=True) or "", request.now)
    return success("Request cancelled")


handler = cancel_group_share_request
