"""GET /v1/user/groups/{group_id}/users — the members by e-mail and who manages the group."""

from nodeshare.domain.groups import get_group
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import group_users


@endpoint("list_group_users")
def list_group_users(request: Request):
    return group_users(get_group(request.principal, request.path_id("group_id")))


handler = list_group_users
