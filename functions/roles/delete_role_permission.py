"""DELETE /v1/user/roles/{role_id}/permissions/{permission_id} — delete one permission of a role."""

from nodeshare.domain.roles import delete_permission
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("delete_role_permission")
def delete_role_permission(request: Request):
    delete_permission(request.principal, request.path["role_id"], request.path["permission_id"])
    return success("Permission deleted")


handler = delete_role_permission
