"""DELETE /v1/user/permission_requests?request_id= — the requester cancels a pending request."""

from nodeshare.domain.permission_requests import cancel_permission_request as cancel
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("cancel_permission_request")
def cancel_permission_request(request: Request):
    cancel(request.principal, request.query_id("request_id", required=True) or "", request.now)
    return success("Permission request cancelled")


handler = cancel_permission_request
