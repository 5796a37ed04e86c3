"""Symphony actions: named params writes a node declares in its config, `config.actions`:
`[{"action_id", "name", "params": {device: {param: value}}}]` (given at registration).

- Registration refuses actions whose ids repeat or whose params the config would not accept as a
  write (`check_actions`, 400), so every declared action can run.
- `GET /v1/user/nodes/actions?node_id=` lists the actions the caller may run now (the decision's
  `Action.RUN`, which roles narrow per action); a caller who may not see the node gets 404.
- `POST /v1/user/nodes/actions {node_id, action_id}` runs one: its params are written through the
  same checked, conditional path as `PUT /v1/user/nodes/params` (`store.nodes.write_params`), and
  recorded in the params archive as the caller's write.
  An action the node does not declare is a 404, after the decision (a caller who may not run
  anything there learns nothing about which actions exist).
"""

from __future__ import annotations

from typing import Any

from nodeshare.domain import archive
from nodeshare.domain import params as params_rules
from nodeshare.domain.authorization import Action, authorize_many, decide_actions
from nodeshare.model.entities import ArchiveKind, Principal
from nodeshare.model.errors import BadRequest, InvalidParams, RoleNotFound
from nodeshare.store import nodes as node_store

ACTION_PATH_SEPARATOR = "/"  # a role permission's actionId: "<node id>/<action id>"


def declared_actions(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """A node config's actions by id."""
    return {action["action_id"]: action for action in config.get("actions") or []}


def check_actions(config: dict[str, Any]) -> None:
    """Refuse a config whose actions repeat an id or write params the config does not allow."""
    seen: set[str] = set()
    for action in config.get("actions") or []:
        if action["action_id"] in seen:
            raise BadRequest(f"Action {action['action_id']} is declared twice")
        seen.add(action["action_id"])
        try:
            params_rules.check_write(config, action["params"])
        except InvalidParams as exc:
            raise BadRequest(f"Action {action['action_id']}: {exc}") from exc


def list_actions(principal: Principal, node_id: str, now: int) -> list[dict[str, Any]]:
    """The node's actions the caller may run now, as declared, each with its `actionId` for role
    permissions."""
    node, allowed = decide_actions(principal, node_id, now, lambda node: list(declared_actions(node.config)))
    declared = declared_actions(node.config)
    return [
        {**action, "actionId": f"{node_id}{ACTION_PATH_SEPARATOR}{action_id}"}
        for action_id, action in declared.items()
        if allowed.get(action_id)
    ]


def run_action(principal: Principal, node_id: str, action_id: str, now: int, now_ms: int) -> None:
    """Run the action: its params written, and archived, as a params write of the caller's."""
    checked = authorize_many(principal, Action.RUN, [node_id], now, action_id=action_id)
    node = checked.raise_first_refusal()[node_id].node
    action = declared_actions(node.config).get(action_id)
    if action is None:
        raise RoleNotFound(f"Action {action_id} not found")
    params = action["params"]
    params_rules.check_write(node.config, params, node.params)
    writer = archive.writer_name(principal, checked.facts)
    record = archive.new_record(node, ArchiveKind.WRITE, principal, writer, params, now_ms)
    for refusal in node_store.write_params([(node, params, record)]).values():
        raise refusal
