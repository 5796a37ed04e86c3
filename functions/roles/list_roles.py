"""GET /v1/user/roles — the caller's roles with their permissions (Symphony getRoles)."""

from nodeshare.domain.roles import list_roles as roles_of
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.roles import role_info


@endpoint("list_roles")
def list_roles(request: Request):
    return {"roleList": [role_info(role) for role in roles_of(request.principal)]}


handler = list_roles
