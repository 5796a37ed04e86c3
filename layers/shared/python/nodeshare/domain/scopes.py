"""EVRYTHNG-style scopes: `{users: [...], projects: [...]}`, where `all` matches everyone.

Before a node is claimed, only operators and the users or projects in its scopes may see or claim
it; a product, only operators and the users or projects in its scopes may see.

Scopes on creation (`creation_scopes`, registration and `POST /v1/admin/products`): given
`scopes` go through the same grammar, applied to empty scopes (an omitted array is empty: what is
given is all there is; `+id` adds to nothing, `-id` removes nothing), and `?project=P` then adds
`P` to the projects, as `+P` would. Without `scopes`, the default:

- a node's is a deployment setting, `DEFAULT_NODE_SCOPE` (`settings`): `all` (the default) scopes
  it to `{"users": ["all"]}` — knowing the thing password printed on the device is proof enough to
  claim it, as in Kii's password flow and RainMaker's, whose clients know nothing of scopes, so an
  unchanged `esp-rainmaker-cli` set-up works; `none` scopes it to nobody (EVRYTHNG's default: only
  operators see it until they name users or projects), for deployments where devices are handed
  out by project;
- a product's is EVRYTHNG's, nobody: a product carries no secret, so it is shown to no one until
  an operator scopes it.

What a user (not an operator) is shown of scopes, on `?withScopes=true` (`scopes_seen_by`): only
the entries that put it in scope (its own id, `all`, its projects), never anyone else's.

Updating scopes (`update_scopes`, the grammar of EVRYTHNG's `PUT` with `scopes`), per array:

- no prefix on any entry: the array is replaced (`[]` empties it);
- every entry `+id`: each id is added (adding one already there is a no-op);
- every entry `-id`: each id is removed (removing one not there is a no-op);
- a mix of prefixed and bare entries in one array is refused (400); an omitted array is unchanged;
- `all` stands for everyone: an array holding `all` is exactly `["all"]` (named ids add nothing
  to it), so `+all` makes it `["all"]`; `-all` empties the array (removes everyone); `-id` on
  `["all"]` is a no-op, since "everyone but id" cannot be written in this grammar;
- duplicates collapse (first occurrence kept, order otherwise as given), and an array holds at
  most `MAX_SCOPE_ENTRIES` entries, in the update and after it (400 beyond).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from nodeshare.model.entities import Principal
from nodeshare.model.errors import BadRequest
from nodeshare.settings import settings

ALL = "all"
SCOPE_ARRAYS = ("users", "projects")
MAX_SCOPE_ENTRIES = 100
Scopes = dict[str, list[str]]


def default_node_scopes() -> Scopes:
    """The scopes of a node registered without any (`DEFAULT_NODE_SCOPE`, see above)."""
    return {"users": [ALL] if settings().default_node_scope == ALL else [], "projects": []}


def default_product_scopes() -> Scopes:
    """The scopes of a product created without any: nobody (EVRYTHNG's default)."""
    return {"users": [], "projects": []}


def creation_scopes(
    given: Mapping[str, Sequence[str]] | None, default: Scopes, project: str | None
) -> Scopes:
    """The scopes of a resource being created (see above): `default` when `given` is None, else the
    grammar's `given` applied to empty scopes; then `project` added to the projects."""
    if given is None:
        scopes = {name: list(default.get(name, [])) for name in SCOPE_ARRAYS}
    else:
        scopes = update_scopes({}, given)
    if project:
        scopes["projects"] = update_array("projects", scopes["projects"], [f"+{project}"])
    return scopes


def scopes_seen_by(scopes: Scopes, user_id: str, projects: Iterable[str]) -> Scopes:
    """The entries of `scopes` that put this user in scope — its id, `all`, its projects — and no
    one else's (what a user is shown on `?withScopes=true`)."""
    mine = set(projects)
    return {
        "users": [entry for entry in scopes.get("users", []) if entry in (ALL, user_id)],
        "projects": [entry for entry in scopes.get("projects", []) if entry == ALL or entry in mine],
    }


def in_scope(scopes: Scopes, user_id: str, projects: Iterable[str] = ()) -> bool:
    users = scopes.get("users", [])
    scoped_projects = scopes.get("projects", [])
    if ALL in users or user_id in users:
        return True
    return ALL in scoped_projects or any(project in scoped_projects for project in projects)


def update_scopes(current: Mapping[str, Sequence[str]], update: Mapping[str, Sequence[str]]) -> Scopes:
    """The scopes after `update` is applied to `current` (grammar above); `current` is not changed.

    Raises BadRequest for an unknown array, a mix of prefixed and bare entries, an empty id, or
    more than `MAX_SCOPE_ENTRIES` entries in an array of the update or of the result."""
    unknown = sorted(set(update) - set(SCOPE_ARRAYS))
    if unknown:
        raise BadRequest(f"Unknown scope array {unknown[0]!r}: scopes hold only users and projects")
    result = {name: list(current.get(name, [])) for name in SCOPE_ARRAYS}
    for name, entries in update.items():
        result[name] = update_array(name, result[name], entries)
    return result


def update_array(name: str, current: Sequence[str], entries: Sequence[str]) -> list[str]:
    """One array of `update_scopes`."""
    if len(entries) > MAX_SCOPE_ENTRIES:
        raise BadRequest(f"scopes.{name} holds at most {MAX_SCOPE_ENTRIES} entries")
    prefixes = {entry[:1] for entry in entries if entry[:1] in ("+", "-")}
    prefixed = sum(1 for entry in entries if entry[:1] in ("+", "-"))
    if len(prefixes) > 1 or 0 < prefixed < len(entries):
        raise BadRequest(f"scopes.{name}: prefix every entry with + or - (all the same), or none")
    ids = [entry[1:] if prefixes else entry for entry in entries]
    if any(not scope_id for scope_id in ids):
        raise BadRequest(f"scopes.{name}: an entry names no id")
    if not prefixes:
        updated = _normal(ids)
    elif prefixes == {"+"}:
        updated = _normal([*current, *ids])
    elif ALL in ids:
        updated = []
    else:
        removed = set(ids)
        updated = [scope_id for scope_id in _normal(current) if scope_id not in removed]
    if len(updated) > MAX_SCOPE_ENTRIES:
        raise BadRequest(f"scopes.{name} would hold more than {MAX_SCOPE_ENTRIES} entries")
    return updated


def _normal(ids: Iterable[str]) -> list[str]:
    """Duplicates collapsed; an array naming `all` is exactly `["all"]`."""
    unique = list(dict.fromkeys(ids))
    return [ALL] if ALL in unique else unique


def seen_scopes(principal: Principal, scopes: Scopes, projects: Iterable[str]) -> Scopes:
    """The scopes shown to the caller on `?withScopes=true`: all of them to an operator, what puts
    it in scope (`scopes_seen_by`) to anyone else."""
    return scopes if principal.is_operator else scopes_seen_by(scopes, principal.user_id, projects)
