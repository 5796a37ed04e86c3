"""DELETE /v1/user/permissions?node_id= | &node_group= &user_name= | &user_group= — remove one
grant (the same answer whether there was one or not)."""

from nodeshare.domain.permissions import Subject
from nodeshare.domain.permissions import remove_permission as revoke
from nodeshare.http.endpoint import endpoint
from nodeshare.http.permissions import query_target
from nodeshare.http.request import Request
from nodeshare.http.shapes import success
from nodeshare.model.errors import BadRequest


@endpoint("remove_permission")
def remove_permission(request: Request):
    user_name, user_group = (
        request.query_email("user_name"),
        request.query_group_id("user_group", required=False),
    )
    if (user_name is None) == (user_group is None):
        raise BadRequest("Name exactly one of user_name and user_group")
    revoke(request.principal, Subject(user_name, user_group), query_target(request), request.now)
    return success("Permission removed")


handler = remove_permission
