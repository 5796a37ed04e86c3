"""GET /v1/user — the caller's user info (the CLI prints every key)."""

from nodeshare.domain.users import user_info
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request


@endpoint("get_user")
def get_user(request: Request):
    principal = request.principal
    user = user_info(principal)
    return {"user_id": user.user_id, "user_name": user.user_name, "super_admin": principal.is_operator}


handler = get_user
