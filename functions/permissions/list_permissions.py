"""GET /v1/user/permissions?node_id= — a node's grants, for its primary and `rwp` users."""

from nodeshare.domain.permissions import list_permissions as listed
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import listed_grant


@endpoint("list_permissions")
def list_permissions(request: Request):
    node_id = request.node_id()
    return {
        "node_id": node_id,
        "permissions": [listed_grant(grant) for grant in listed(request.principal, node_id, request.now)],
    }


handler = list_permissions
