"""EVRYTHNG projects (seed 004, SPEC §1 "Scopes", §3.2 "Operators"): named sets of users that nodes
are scoped to. A user in a project is in the scope of every node scoped to that project, so it may
see and claim it while nobody owns it (`authorization._claim`).

- Operators' alone (the routes are operator routes), and the deployment's: every operator
  manages every project. Ids are EVRYTHNG's: 24 characters of the seed's alphabet
  (`domain.resource_ids`); any 24 letters and digits are accepted where a project is named, so
  the ids of projects created before (of `[A-Za-z0-9]`) stay usable.
- Users are named by user id, as node scopes name them (EVRYTHNG scopes hold Application User
  ids); e-mails are not taken, so a project never holds an address that is not an account. Every
  id added must be a known user (400 naming it otherwise); `all` is refused (400): scope the node
  to `{"users": ["all"]}` instead.
- `PUT …/users {"users": [...]}` follows the scope grammar (`domain.scopes.update_array`): no
  prefix replaces, all `+id` add, all `-id` remove, a mix is 400.
- Membership is on the user's row (`project_ids`, read in the decision's first round trip) and on
  the project item, written in one transaction; deleting a project takes it off its users' rows in
  the transaction that deletes it. So joining, leaving and deletion take effect on the next
  request, and the decision never reads a project item. One transaction holds 100 items, hence a
  project holds at most `MAX_PROJECT_USERS` users and one change adds and removes at most
  `MAX_USER_CHANGES` in all; a user is in at most `MAX_PROJECTS_PER_USER` projects (its row stays
  small). Nodes scoped to a project that is deleted (or never existed) keep the id in their scopes,
  where it matches nobody.
"""

from __future__ import annotations

from nodeshare.domain.resource_ids import new_resource_id
from nodeshare.domain.scopes import ALL, update_array
from nodeshare.model.entities import Principal, Project
from nodeshare.model.errors import BadRequest, Conflict, GroupLimitReached, ProjectNotFound
from nodeshare.store import access
from nodeshare.store import projects as project_store

MAX_PROJECT_USERS = 99  # deleting the project: its item and each user's row, in one transaction
MAX_USER_CHANGES = 99  # user rows written in one change, beside the project item
MAX_PROJECTS_PER_USER = 100
ATTEMPTS = 5  # a change refused by a racing one is re-applied to a fresh read


def create_project(principal: Principal, name: str, description: str, now: int) -> Project:
    project = Project(new_resource_id(), name, description, created_at=now)
    project_store.create(project)
    return project


def list_projects(principal: Principal, start_id: str | None, limit: int) -> tuple[list[Project], str | None]:
    return project_store.list_page(start_id, limit)


def get_project(principal: Principal, project_id: str) -> Project:
    project = project_store.get(project_id)
    if project is None:
        raise ProjectNotFound(f"Project {project_id} not found")
    return project


def update_project(
    principal: Principal, project_id: str, name: str | None, description: str | None
) -> Project:
    for _ in range(ATTEMPTS):
        project = get_project(principal, project_id)
        try:
            project_store.update_details(project, name, description)
        except Conflict:
            continue
        return get_project(principal, project_id)
    raise Conflict(f"Project {project_id} kept changing meanwhile; retry")


def delete_project(principal: Principal, project_id: str) -> None:
    for _ in range(ATTEMPTS):
        project = get_project(principal, project_id)
        try:
            project_store.delete(project)
        except Conflict:
            continue
        return
    raise Conflict(f"Project {project_id} kept changing meanwhile; retry")


def set_project_users(principal: Principal, project_id: str, entries: list[str]) -> Project:
    """The project's users after `entries` (the scope grammar) are applied; checked before
    anything is written, then one transaction, re-applied to a fresh read if a racing change
    refused it (so two operators' `+a` and `-b` both take effect)."""
    if any(entry.lstrip("+-") == ALL for entry in entries):
        raise BadRequest("A project's users are named by id; `all` is for a node's scopes")
    for _ in range(ATTEMPTS):
        project = get_project(principal, project_id)
        current = sorted(project.user_ids)
        users = update_array("users", current, entries)
        joined = sorted(set(users) - project.user_ids)
        left = sorted(project.user_ids - set(users))
        if len(users) > MAX_PROJECT_USERS:
            raise GroupLimitReached(f"A project holds at most {MAX_PROJECT_USERS} users")
        if len(joined) + len(left) > MAX_USER_CHANGES:
            raise BadRequest(f"One change adds and removes at most {MAX_USER_CHANGES} users in all; split it")
        known = access.load((), (), joined).users if joined else {}
        unknown = [user_id for user_id in joined if user_id not in known]
        if unknown:
            raise BadRequest(f"Unknown user id {unknown[0]!r}")
        if not joined and not left:
            return project
        try:
            project_store.change_users(project, users, joined, left, MAX_PROJECTS_PER_USER)
        except Conflict:
            continue
        return get_project(principal, project_id)
    raise Conflict(f"Project {project_id} kept changing meanwhile; retry")
