"""GET /v1/user/roles/{role_id}/permissions — a role's permissions (Symphony getRolePermissions)."""

from nodeshare.domain.roles import role_permissions
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.roles import permission_info


@endpoint("list_role_permissions")
def list_role_permissions(request: Request):
    role = role_permissions(request.principal, request.path["role_id"])
    return {"permissionList": [permission_info(role, permission) for permission in role.permissions]}


handler = list_role_permissions
