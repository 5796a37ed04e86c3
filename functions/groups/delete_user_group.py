"""DELETE /v1/user/groups/{group_id} — the owner deletes it; nothing counts through it afterwards."""

from nodeshare.domain.groups import delete_group
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("delete_user_group")
def delete_user_group(request: Request):
    delete_group(request.principal, request.path_id("group_id"))
    return success("Group deleted")


handler = delete_user_group
