"""PUT /v1/user/share_users/roles `{user_name, roleIds}` — assign the caller's roles to a user
with access to its nodes (Symphony setShareUserRoles; replace, `[]` clears)."""

from nodeshare.domain.roles import assign_roles
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("set_share_user_roles")
def set_share_user_roles(request: Request):
    body = request.body()
    assign_roles(request.principal, body["user_name"], body["roleIds"], request.now)
    return success("Roles assigned", user_name=body["user_name"], roleIds=body["roleIds"])


handler = set_share_user_roles
