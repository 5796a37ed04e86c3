"""POST /v1/user/permission_requests `{nodes, permission}` or BuildingDepot's
`{"data": {"target_sensors", "permission", "timestamp"}}` — ask each node's primary for a level on
it -> 201 with one request id per node."""

from http import HTTPStatus

from nodeshare.domain.permission_requests import request_permission as ask
from nodeshare.http.endpoint import endpoint, json_response
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("request_permission")
def request_permission(request: Request):
    body = request.body()
    if "data" in body:  # BuildingDepot's form
        nodes, permission = body["data"]["target_sensors"], body["data"]["permission"]
    else:
        nodes, permission = body["nodes"], body["permission"]
    request_ids = ask(request.principal, nodes, permission, request.now)
    # A node that does not exist, or that nobody may answer for, gets this same answer (SPEC §2.4).
    return json_response(HTTPStatus.CREATED, success("Permission requests sent", request_ids=request_ids))


handler = request_permission
