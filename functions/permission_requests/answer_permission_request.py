"""PUT /v1/user/permission_requests `{request_id, accept, permission?}` — the approver accepts (at
the level asked for, or the lower `permission`) or declines."""

from nodeshare.domain.permission_requests import accept_permission_request, decline_permission_request
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import permission_request, success


@endpoint("answer_permission_request")
def answer_permission_request(request: Request):
    body = request.body()
    if body["accept"]:
        accepted = accept_permission_request(
            request.principal, body["request_id"], body.get("permission"), request.now
        )
        return success("Permission request accepted", request=permission_request(accepted, request.now))
    decline_permission_request(request.principal, body["request_id"], request.now)
    return success("Permission request declined")


handler = answer_permission_request
