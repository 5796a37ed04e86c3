"""EVRYTHNG-style scopes: `{users: [...], projects: [...]}`, where `all` matches everyone.

Before a node is claimed, only operators and the users or projects in its scopes may see or claim
it. Decision (the spec is silent): a node registered without `scopes` is scoped to
`{"users": ["all"]}` — knowing the thing password is proof enough, as in Kii's password flow.
"""

from __future__ import annotations

from collections.abc import Iterable

ALL = "all"
Scopes = dict[str, list[str]]


def default_scopes(project: str | None = None) -> Scopes:
    return {"users": [ALL], "projects": [project] if project else []}


def in_scope(scopes: Scopes, user_id: str, projects: Iterable[str] = ()) -> bool:
    users = scopes.get("users", [])
    scoped_projects = scopes.get("projects", [])
    if ALL in users or user_id in users:
        return True
    return ALL in scoped_projects or any(project in scoped_projects for project in projects)
