"""GET /v1/user/share_users/roles?user_name= — the roles the caller has assigned to a user (none
for an unknown e-mail, exactly as for a user it assigned none)."""

from nodeshare import schemas
from nodeshare.domain.roles import assigned_roles
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request, validate


@endpoint("get_share_user_roles")
def get_share_user_roles(request: Request):
    user_name = validate(request.required_query("user_name"), schemas.EMAIL)
    return {"user_name": user_name, "roleIds": assigned_roles(request.principal, user_name)}


handler = get_share_user_roles
