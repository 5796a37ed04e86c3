"""DELETE /v1/things/{node_id}/ownership/{user:<id> | group:<id>} — give up ownership: a primary
itself (releasing the node), a member its group; operators anyone -> 204 (`domain.ownership`)."""

from nodeshare.domain.ownership import parse_owner
from nodeshare.domain.ownership import remove_owner as give_up
from nodeshare.http.endpoint import endpoint, no_content
from nodeshare.http.request import Request


@endpoint("remove_owner")
def remove_owner(request: Request):
    give_up(request.principal, request.path["node_id"], parse_owner(request.path["owner"]), request.now)
    return no_content()


handler = remove_owner
