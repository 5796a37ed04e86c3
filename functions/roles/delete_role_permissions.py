"""DELETE /v1/user/roles/{role_id}/permissions — delete every permission of a role."""

from nodeshare.domain.roles import delete_all_permissions
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("delete_role_permissions")
def delete_role_permissions(request: Request):
    delete_all_permissions(request.principal, request.path["role_id"])
    return success("Permissions deleted")


handler = delete_role_permissions
