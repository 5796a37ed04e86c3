"""PUT /v1/user/groups/{group_id}/users `{users, operation?, managers?}` — replace (no operation),
add or remove members by e-mail; the owner may name managers. Unknown e-mails get the same answer."""

from nodeshare.domain.groups import change_members
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import group_users, success


@endpoint("set_group_users")
def set_group_users(request: Request):
    body = request.body()
    group = change_members(
        request.principal,
        request.path_id("group_id"),
        body["users"],
        body.get("operation"),
        body.get("managers"),
    )
    return success("Group members updated", **group_users(group))


handler = set_group_users
