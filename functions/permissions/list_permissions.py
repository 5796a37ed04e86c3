"""GET /v1/user/permissions?node_id= | ?node_group= — a target's grants, for those who may manage
it (a node's primary and `rwp` users; a node group's owner)."""

from nodeshare.domain.permissions import list_permissions as listed
from nodeshare.http.endpoint import endpoint
from nodeshare.http.permissions import query_target
from nodeshare.http.request import Request
from nodeshare.http.shapes import listed_grant


@endpoint("list_permissions")
def list_permissions(request: Request):
    target = query_target(request)
    grants = listed(request.principal, target, request.now)
    named = {"node_id": target.node_id} if target.node_id else {"node_group": target.node_group}
    return {**named, "permissions": [listed_grant(grant) for grant in grants]}


handler = list_permissions
