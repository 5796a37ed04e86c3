"""PUT /v1/user/node_group/sharing `{groups, user_name, primary?, sub_role?, metadata?, transfer?,
new_role?}` — share node groups with a user, or hand them over with `transfer` (esp-rainmaker-cli `group
sharing add`). `new_role` is what the old owner becomes on each node after a transfer; without
`transfer` it is ignored (see `domain.group_sharing`)."""

from nodeshare.domain.group_sharing import share_node_groups as share
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("share_node_groups")
def share_node_groups(request: Request):
    body = request.body()
    request_id = share(
        request.principal,
        body["groups"],
        body.get("user_name"),
        primary=body.get("primary", False),
        transfer=body.get("transfer", False),
        new_role=body.get("new_role"),
        metadata=body.get("metadata") or {},
        now=request.now,
        # The schema allows 1-4; JSON's 2.0 is the integer 2.
        sub_role=int(body["sub_role"]) if body.get("sub_role") is not None else None,
    )
    # An unknown e-mail gets this same answer (SPEC §2.4).
    return success("Sharing request sent successfully", request_id=request_id)


handler = share_node_groups
