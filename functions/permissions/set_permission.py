"""PUT /v1/user/permissions `{user_name | user_group, node_id, permission}` — grant a level."""

from nodeshare.domain.permissions import Subject
from nodeshare.domain.permissions import set_permission as grant
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("set_permission")
def set_permission(request: Request):
    body = request.body()
    subject = Subject(body.get("user_name"), body.get("user_group"))
    grant(request.principal, subject, body["node_id"], body["permission"], request.now)
    # An e-mail without an account gets this same answer (SPEC §2.4).
    return success("Permission set")


handler = set_permission
