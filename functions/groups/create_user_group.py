"""POST /v1/user/groups `{name, description?}` — create a user group owned by the caller -> 201."""

from http import HTTPStatus

from nodeshare.domain.groups import create_group
from nodeshare.http.endpoint import endpoint, json_response
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("create_user_group")
def create_user_group(request: Request):
    body = request.body()
    group = create_group(request.principal, body["name"], body.get("description", ""), request.now)
    return json_response(HTTPStatus.CREATED, success("Group created", group_id=group.group_id))


handler = create_user_group
