"""PUT /v1/user/groups/{group_id} `{name?, description?}` — the owner renames or describes it."""

from nodeshare.domain.groups import update_group
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success, user_group


@endpoint("update_user_group")
def update_user_group(request: Request):
    body = request.body()
    group = update_group(
        request.principal, request.path_id("group_id"), body.get("name"), body.get("description")
    )
    return success("Group updated", group=user_group(group, request.principal))


handler = update_user_group
