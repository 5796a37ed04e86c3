"""PUT /v1/user/permissions `{user_name | user_group, node_id | node_group, permission}` — grant
a level (`dr`, `r`, `rw`, `rwp`, or `d/r`, `r/w`, `r/w/p`)."""

from nodeshare.domain.permissions import Subject, Target
from nodeshare.domain.permissions import set_permission as grant
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("set_permission")
def set_permission(request: Request):
    body = request.body()
    subject = Subject(body.get("user_name"), body.get("user_group"))
    target = Target(body.get("node_id"), body.get("node_group"))
    grant(request.principal, subject, target, body["permission"], request.now)
    # An e-mail without an account gets this same answer (SPEC §2.4).
    return success("Permission set")


handler = set_permission
