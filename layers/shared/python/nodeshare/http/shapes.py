"""Response shapes: RainMaker's for RainMaker routes, nodeshare's own for native ones."""

from __future__ import annotations

from typing import Any

from nodeshare.domain.authorization import Action, Decision
from nodeshare.domain.nodes import UserNode
from nodeshare.domain.permissions import ListedGrant
from nodeshare.domain.scopes import Scopes
from nodeshare.domain.sharing import NodeSharing
from nodeshare.http.request import Request
from nodeshare.model.entities import (
    ArchiveRecord,
    Node,
    NodeGroup,
    PermissionRequest,
    Principal,
    Product,
    Project,
    Role,
    ShareRequest,
    UserGroup,
)
from nodeshare.model.levels import Level

DEFAULT_PAGE, MAX_PAGE = 25, 100


def success(description: str, **data: Any) -> dict[str, Any]:
    return {"status": "success", "description": description, **data}


def page_limit(request: Request) -> int:
    return request.query_int("num_records", DEFAULT_PAGE, 1, MAX_PAGE)


def connectivity(node: Node) -> dict[str, Any]:
    return {"connected": node.connectivity.connected, "timestamp": node.connectivity.timestamp_ms}


def admin_node(node: Node, *, with_scopes: bool) -> dict[str, Any]:
    """A node as operators see it. Scopes only on `?withScopes=true` (EVRYTHNG); never the secret."""
    body: dict[str, Any] = {
        "node_id": node.node_id,
        "name": node.name,
        "type": node.type,
        "primary_user_id": node.primary_user_id,
        "epoch": node.epoch,
        "tags": list(node.tags),
        "metadata": node.metadata,
        "config": node.config,
        "params": node.params,
        "status": {"connectivity": connectivity(node)},
        "created_at": node.created_at,
        "product": node.product_id,
    }
    if with_scopes:
        body["scopes"] = node.scopes
    return body


def thing(node: Node, scopes: Scopes | None = None) -> dict[str, Any]:
    """A node as scoped discovery lists it (`GET /v1/things`): no config, params or secret;
    `scopes` only when given (`?withScopes=true`: what the caller may be shown of them)."""
    body: dict[str, Any] = {
        "node_id": node.node_id,
        "name": node.name,
        "type": node.type,
        "product": node.product_id,
    }
    if scopes is not None:
        body["scopes"] = scopes
    return body


def product(product: Product, scopes: Scopes | None = None) -> dict[str, Any]:
    """A product (EVRYTHNG's shape: `id`, `properties`); `scopes` only when given: on
    `?withScopes=true`, what the caller may be shown of them (`domain.scopes.seen_scopes`)."""
    body: dict[str, Any] = {
        "id": product.product_id,
        "name": product.name,
        "description": product.description,
        "properties": product.properties,
        "created_at": product.created_at,
        "updated_at": product.updated_at,
    }
    if scopes is not None:
        body["scopes"] = scopes
    return body


def project(project: Project) -> dict[str, Any]:
    """A project as operators see it (EVRYTHNG's shape: `id`), its users by id, sorted."""
    return {
        "id": project.project_id,
        "name": project.name,
        "description": project.description,
        "users": sorted(project.user_ids),
        "created_at": project.created_at,
    }


def node_details(user_node: UserNode) -> dict[str, Any]:
    """One entry of `node_details`, with the fields esp-rainmaker-cli's getnodedetails prints
    (`tags` must be a list of strings: it joins them); `sub_role` only when the caller's share
    has one."""
    node = user_node.node
    details: dict[str, Any] = {
        "id": node.node_id,
        "role": user_node.role.value if user_node.role else None,
        "primary": user_node.role is Role.PRIMARY,
        "status": {"connectivity": connectivity(node)},
        "config": node.config,
        "params": node.params,
        "tags": list(node.tags),
        "metadata": node.metadata,
        "node_type": node.type,
        "mapping_timestamp": user_node.mapped_at,
    }
    if user_node.level:
        details["level"] = user_node.level.value
    if user_node.sub_role is not None:
        details["sub_role"] = user_node.sub_role
    return details


def share_request(request: ShareRequest, now: int) -> dict[str, Any]:
    """One entry of `sharing_requests`, with what esp-rainmaker-cli prints (timestamps in seconds);
    an unanswered request past its expiry shows `expired`."""
    body: dict[str, Any] = {
        "request_id": request.request_id,
        "request_status": request.status_at(now).value,
        "request_timestamp": request.created_at,
        "expiration_timestamp": request.expires_at,
        "node_ids": request.node_ids,
        "user_name": request.invitee_user_name,
        "primary_user_name": request.requester_user_name,
        "primary": request.level is Level.READ_WRITE_PERMISSION,
        "transfer": request.transfer,
        "metadata": request.metadata,
    }
    if request.new_role:
        body["new_role"] = request.new_role
    if request.sub_role is not None:
        body["sub_role"] = request.sub_role
    return body


def decision(node_id: str, action: Action, decided: Decision) -> dict[str, Any]:
    """An explained decision (`GET /v1/user/nodes/access`). `level` is the effective level;
    the primary, never restricted, shows `primary`."""
    level = "primary" if decided.role is Role.PRIMARY else decided.level.value if decided.level else None
    return success(
        "Access explained",
        node_id=node_id,
        action=action.value,
        allowed=decided.allowed,
        role=decided.role.value if decided.role else None,
        level=level,
        sources=[
            {
                "kind": source.kind.value,
                "subject": source.subject,
                "level": source.level.value,
                "granted_by": list(source.granted_by),
                "counts": source.counts,
                "reason": source.why,
            }
            for source in decided.sources
        ],
        reasons=list(decided.reasons),
    )


def node_sharing(sharing: NodeSharing) -> dict[str, Any]:
    return {"node_id": sharing.node_id, "users": {"primary": sharing.primary, "secondary": sharing.secondary}}


def user_group(group: UserGroup, principal: Principal) -> dict[str, Any]:
    return {
        "group_id": group.group_id,
        "name": group.name,
        "description": group.description,
        "is_owner": group.owner_user_id == principal.user_id,
        "created_at": group.created_at,
    }


def group_users(group: UserGroup) -> dict[str, Any]:
    return {"users": [{"user_name": member.user_name, "manager": member.manager} for member in group.members]}


def listed_grant(grant: ListedGrant) -> dict[str, Any]:
    subject = {"user_name": grant.subject.user_name} if grant.subject.user_name is not None else {}
    if grant.subject.user_group is not None:
        subject = {"user_group": grant.subject.user_group}
    return {
        **subject,
        "permission": grant.level.value,
        "current": grant.current,
        "created_at": grant.created_at,
    }


def node_group(group: NodeGroup, sub_groups: list[NodeGroup] | None = None) -> dict[str, Any]:
    """A node group as esp-rainmaker-cli's `group` commands read it."""
    body: dict[str, Any] = {
        "group_id": group.group_id,
        "group_name": group.name,
        "description": group.description,
        "mutually_exclusive": group.mutually_exclusive,
        "total": len(group.node_ids),
    }
    for name, value in (("type", group.type), ("parent_group_id", group.parent_group_id), ("tag", group.tag)):
        if value:
            body[name] = value
    if group.custom_data:
        body["custom_data"] = group.custom_data
    if sub_groups is not None:
        body["sub_groups"] = [
            {"group_id": child.group_id, "group_name": child.name, "description": child.description}
            for child in sub_groups
        ]
    return body


def permission_request(request: PermissionRequest, now: int) -> dict[str, Any]:
    """One entry of `permission_requests`: BuildingDepot's fields (`requester_name` is the
    requester's user name, its e-mail, as `requester_email`), with the request's id, status (an
    unanswered one past its expiry shows `expired`) and timestamps in seconds, and once accepted
    the level granted. Never the approver: an unknown node's request reads like any other."""
    body: dict[str, Any] = {
        "request_id": request.request_id,
        "requester_name": request.requester_user_name,
        "requester_email": request.requester_user_name,
        "requested_sensors": [request.node_id],
        "permission": request.level.value,
        "request_status": request.status_at(now).value,
        "request_timestamp": request.created_at,
        "expiration_timestamp": request.expires_at,
    }
    if request.answered_at is not None:
        body["answer_timestamp"] = request.answered_at
    if request.granted_level is not None:
        body["granted_permission"] = request.granted_level.value
    return body


def archive_record(record: ArchiveRecord) -> dict[str, Any]:
    """One entry of a node's params history: its id, time (ms), params, kind ("write",
    "correction", or "report": the node's own) and writer's e-mail (null when unknown)."""
    return {
        "id": record.record_id,
        "timestamp": record.timestamp_ms,
        "params": record.params,
        "kind": record.kind.value,
        "user_name": record.user_name,
    }
