"""EVRYTHNG-style scopes: `{users: [...], projects: [...]}`, where `all` matches everyone.

Before a node is claimed, only operators and the users or projects in its scopes may see or claim
it. Decision (the spec is silent): a node registered without `scopes` is scoped to
`{"users": ["all"]}` — knowing the thing password is proof enough, as in Kii's password flow.

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

from nodeshare.model.errors import BadRequest

ALL = "all"
SCOPE_ARRAYS = ("users", "projects")
MAX_SCOPE_ENTRIES = 100
Scopes = dict[str, list[str]]


def default_scopes(project: str | None = None) -> Scopes:
    return {"users": [ALL], "projects": [project] if project else []}


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
