"""GET /v1/user/node_group/sharing[?group_id=][&metadata=true] — per node group, its owner and the
users it is shared with, by e-mail (esp-rainmaker-cli `group sharing list`). `sub_groups` and
`parent_groups` are accepted and ignored: sharing a group never shares its sub-groups."""

from nodeshare.domain.group_sharing import group_sharing
from nodeshare.http.endpoint import endpoint
from nodeshare.http.group_sharing import group_sharing as shape
from nodeshare.http.request import Request


@endpoint("list_group_sharing")
def list_group_sharing(request: Request):
    for ignored in ("sub_groups", "parent_groups"):
        request.query_bool(ignored)  # a bad value is still a 400
    with_metadata = request.query_bool("metadata")
    sharings = group_sharing(request.principal, request.query_group_id(required=False))
    return {"group_sharing": [shape(sharing, with_metadata=with_metadata) for sharing in sharings]}


handler = list_group_sharing
