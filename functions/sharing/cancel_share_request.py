"""DELETE /v1/user/nodes/sharing/requests?request_id= — the requester cancels a pending request."""

from nodeshare.domain.sharing import cancel_share_request as cancel
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("cancel_share_request")
def cancel_share_request(request: Request):
    cancel(request.principal, request.query_id("request_id", required=True) or "", request.now)
    return success("Request cancelled")


handler = cancel_share_request
