"""GET /v1/things/{node_id}/ownership — `{"users": [user ids], "groups": [group ids]}` owning the
node, for the thing (its token), the node's owners and operators (`domain.ownership`)."""

from nodeshare.domain.ownership import list_owners as owners_of
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request


@endpoint("list_owners")
def list_owners(request: Request):
    users, groups = owners_of(request.caller, request.path["node_id"], request.now)
    return {"users": users, "groups": groups}


handler = list_owners
