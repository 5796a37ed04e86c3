"""Scoped discovery (EVRYTHNG, issue 10): `GET /v1/things` lists the nodes nobody owns that the
caller may claim — scoped to it by user id, to `all`, or to one of its projects.

The index (`store.discovery`, one item per scope entry and unclaimed node, kept by the stream
processor from the node items) finds candidates with one Query per scope entry of the caller's
(its id, `all` users, `all` projects and each of its projects: at most 103), never a Scan; the one
decision then keeps those it lets the caller claim now (two round trips for a page). The index
lags the node items by the stream's delay: a node just registered or released shows up a moment
later, and one just claimed or rescoped away is already left out by the decision (a page may then
hold fewer than `num_records` nodes, with `next_id` to go on from).
"""

from __future__ import annotations

from nodeshare.domain.authorization import Action, authorize_many
from nodeshare.model.entities import Node, Principal
from nodeshare.store import discovery as discovery_store
from nodeshare.store import users as user_store


def list_discoverable(
    principal: Principal, start_id: str | None, limit: int, now: int
) -> tuple[list[Node], str | None, frozenset[str]]:
    """A page of the nodes the caller may discover and claim, in id order, the id to go on from,
    and the caller's projects (for `scopes.seen_scopes`)."""
    user = user_store.get(principal.user_id)
    projects = user.project_ids if user else frozenset()
    candidates, more = discovery_store.page(
        discovery_store.scope_keys(principal.user_id, projects), start_id, limit
    )
    if not candidates:
        return [], None, projects
    checked = authorize_many(principal, Action.CLAIM, candidates, now)
    allowed = checked.granted()
    nodes = [allowed[node_id].node for node_id in candidates if node_id in allowed]
    me = checked.facts.users.get(principal.user_id)
    return nodes, (candidates[-1] if more else None), (me.project_ids if me else frozenset())
