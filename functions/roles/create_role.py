"""POST /v1/user/roles `{roleName}` — create a role, empty (Symphony createRole) -> 201 `{roleId}`."""

from http import HTTPStatus

from nodeshare.domain.roles import create_role as create
from nodeshare.http.endpoint import endpoint, json_response
from nodeshare.http.request import Request


@endpoint("create_role")
def create_role(request: Request):
    role = create(request.principal, request.body()["roleName"], request.now)
    return json_response(HTTPStatus.CREATED, {"roleId": role.role_id})


handler = create_role
