"""POST /v1/user/roles/{role_id}/permissions `{thingId | actionId, policy, additional}` — add a
permission to a role (Symphony createRolePermission) -> 201 `{permissionId}`."""

from http import HTTPStatus

from nodeshare.domain.roles import add_permission
from nodeshare.http.endpoint import endpoint, json_response
from nodeshare.http.request import Request


@endpoint("add_role_permission")
def add_role_permission(request: Request):
    permission = add_permission(request.principal, request.path["role_id"], request.body(), request.now)
    return json_response(HTTPStatus.CREATED, {"permissionId": permission.permission_id})


handler = add_role_permission
