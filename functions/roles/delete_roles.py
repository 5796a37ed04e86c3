"""DELETE /v1/user/roles — delete every role of the caller's (Symphony deleteRoles)."""

from nodeshare.domain.roles import delete_all_roles
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("delete_roles")
def delete_roles(request: Request):
    return success("Roles deleted", deleted=delete_all_roles(request.principal))


handler = delete_roles
