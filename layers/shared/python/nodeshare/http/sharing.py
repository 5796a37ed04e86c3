"""Creating a share request from a validated body: served by two routes
(`PUT /v1/user/nodes/sharing`, as esp-rainmaker-cli sends it, and
`PUT /v1/user/nodes/sharing/requests`, as the spec lists it)."""

from __future__ import annotations

from typing import Any

from nodeshare.domain.sharing import share_nodes
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


def create_share_request(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    request_id = share_nodes(
        request.principal,
        body["nodes"],
        body["user_name"],
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
