"""Group sharing bodies as esp-rainmaker-cli's `group sharing` commands read them (and the
RainMaker app SDK: `users.primary_metadata` / `secondary_metadata` with `?metadata=true`)."""

from __future__ import annotations

from typing import Any

from nodeshare.domain.group_sharing import GroupSharing
from nodeshare.model.entities import GroupShareRequest
from nodeshare.model.levels import Level


def group_share_request(request: GroupShareRequest, now: int) -> dict[str, Any]:
    """One entry of `sharing_requests`, with what `group sharing list-requests` prints (timestamps in
    seconds; `user_role` is the role the invitee gets: a transfer makes it the groups' owner,
    `primary`); an unanswered request past its expiry
    shows `expired`."""
    primary = request.level is Level.READ_WRITE_PERMISSION
    body: dict[str, Any] = {
        "request_id": request.request_id,
        "request_status": request.status_at(now).value,
        "request_timestamp": request.created_at,
        "expiration_timestamp": request.expires_at,
        "group_ids": list(request.group_ids),
        "group_names": list(request.group_names),
        "user_name": request.invitee_user_name,
        "primary_user_name": request.requester_user_name,
        "user_role": "primary" if primary else "secondary",
        "primary": primary,
        "transfer": request.transfer,
        "metadata": request.metadata,
    }
    if request.new_role:
        body["new_role"] = request.new_role
    if request.sub_role is not None:
        body["sub_role"] = request.sub_role
    if request.answered_at is not None:
        body["answer_timestamp"] = request.answered_at
    return body


def group_sharing(sharing: GroupSharing, *, with_metadata: bool) -> dict[str, Any]:
    """One entry of `group_sharing`: the owner as `primary`, users by e-mail as `secondary` (what the
    CLI prints); with `metadata=true` also each user with the metadata (and sub-role) of its share."""
    users: dict[str, Any] = {
        "primary": [user.user_name for user in sharing.primary],
        "secondary": [user.user_name for user in sharing.secondary],
    }
    if with_metadata:
        users["primary_metadata"] = [{"user_name": user.user_name} for user in sharing.primary]
        users["secondary_metadata"] = [
            {"user_name": user.user_name, "metadata": user.metadata}
            | ({"sub_role": user.sub_role} if user.sub_role is not None else {})
            for user in sharing.secondary
        ]
    return {
        "group_id": sharing.group.group_id,
        "group_name": sharing.group.name,
        "mutually_exclusive": sharing.group.mutually_exclusive,
        "users": users,
    }
