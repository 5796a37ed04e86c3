"""DELETE /v1/user/roles/{role_id} — delete one of the caller's roles: what it allowed ends on the
next request."""

from nodeshare.domain.roles import delete_role as delete
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("delete_role")
def delete_role(request: Request):
    delete(request.principal, request.path["role_id"])
    return success("Role deleted")


handler = delete_role
