"""GET /v1/user/roles/{role_id} — one of the caller's roles (RoleInfo); anyone else's is a 404."""

from nodeshare.domain.roles import role_permissions
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.roles import role_info


@endpoint("get_role")
def get_role(request: Request):
    return role_info(role_permissions(request.principal, request.path["role_id"]))


handler = get_role
