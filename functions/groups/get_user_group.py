"""GET /v1/user/groups/{group_id} — a user group, for its owner, managers and members."""

from nodeshare.domain.groups import get_group
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import group_users, user_group


@endpoint("get_user_group")
def get_user_group(request: Request):
    group = get_group(request.principal, request.path_id("group_id"))
    return {**user_group(group, request.principal), **group_users(group)}


handler = get_user_group
