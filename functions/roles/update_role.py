"""PUT /v1/user/roles/{role_id} `{roleName}` — rename one of the caller's roles (Symphony updateRole)."""

from nodeshare.domain.roles import rename_role
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.roles import role_info


@endpoint("update_role")
def update_role(request: Request):
    return role_info(rename_role(request.principal, request.path["role_id"], request.body()["roleName"]))


handler = update_role
