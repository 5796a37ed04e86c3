"""DELETE /v1/user/node_group?group_id= — esp-rainmaker-cli `group remove` (the owner)."""

from nodeshare.domain.node_groups import delete_node_group as delete
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("delete_node_group")
def delete_node_group(request: Request):
    delete(request.principal, request.query_group_id())
    return success("Group removed successfully")


handler = delete_node_group
