"""DELETE /v1/user/node_group/sharing?groups=G1,G2&user_name=x — the owner removes x's share of
the groups; x may remove itself (esp-rainmaker-cli `group sharing remove`)."""

from nodeshare.domain.group_sharing import remove_group_user
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("remove_group_sharing")
def remove_group_sharing(request: Request):
    groups = request.query_group_ids("groups")
    request.required_query("user_name")  # given, and an e-mail:
    remove_group_user(request.principal, groups, request.query_email("user_name") or "")
    return success("User removed from the group(s)")


handler = remove_group_sharing
