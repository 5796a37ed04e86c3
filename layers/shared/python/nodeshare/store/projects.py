"""EVRYTHNG projects in the `groups` table (`kind` = "project", owner `PROJECT_OWNER`) and their
users, named on both sides: the project item's `user_ids` and each user row's `project_ids` (what
the decision reads), always written in one transaction. Every change is conditioned on the
project's `version` as read, so two operators' edits never silently overwrite each other.
"""

from __future__ import annotations

from collections.abc import Sequence

from pynamodb.connection import Connection
from pynamodb.exceptions import TransactWriteError
from pynamodb.expressions.condition import size
from pynamodb.transactions import TransactWrite

from nodeshare.model.entities import Project
from nodeshare.model.errors import Conflict, GroupLimitReached
from nodeshare.store.access import group_item
from nodeshare.store.conditions import REFUSAL_REASONS, is_refused, refused_as
from nodeshare.store.models import PROJECT, PROJECT_OWNER, GroupModel, UserModel
from nodeshare.store.records import to_project

CHANGED = Conflict("The project changed meanwhile; retry")


def _connection() -> Connection:
    return GroupModel._get_connection().connection


def create(project: Project) -> None:
    item = GroupModel(
        project.project_id,
        kind=PROJECT,
        owner_user_id=PROJECT_OWNER,
        name=project.name,
        description=project.description or None,
        created_at=project.created_at,
        version=0,
    )
    with refused_as(Conflict("Project id collision; retry")):
        item.save(condition=GroupModel.group_id.does_not_exist())


def get(project_id: str) -> Project | None:
    """The project, strongly consistent; None for a missing id or any other kind of item."""
    item = group_item(project_id, PROJECT)
    return to_project(item) if item is not None else None


def list_page(start_id: str | None, limit: int) -> tuple[list[Project], str | None]:
    """Every project in id order, one page (GSI `by_owner` under `PROJECT_OWNER`: a Query)."""
    last_key = {"owner_user_id": {"S": PROJECT_OWNER}, "group_id": {"S": start_id}} if start_id else None
    result = GroupModel.by_owner.query(PROJECT_OWNER, limit=limit, last_evaluated_key=last_key)
    projects = [to_project(item) for item in result]
    next_key = result.last_evaluated_key
    return projects, (next_key["group_id"]["S"] if next_key else None)


def update_details(project: Project, name: str | None, description: str | None) -> None:
    actions = []
    if name is not None:
        actions.append(GroupModel.name.set(name))
    if description is not None:
        actions.append(
            GroupModel.description.set(description) if description else GroupModel.description.remove()
        )
    with refused_as(CHANGED):
        GroupModel(project.project_id).update(
            actions=[*actions, GroupModel.version.add(1)],
            condition=(GroupModel.version == project.version) & (GroupModel.kind == PROJECT),
        )


def change_users(
    project: Project, user_ids: Sequence[str], joined: Sequence[str], left: Sequence[str], max_projects: int
) -> None:
    """One transaction: the project's new `user_ids` (if its version is still the one read), and
    each joining or leaving user's `project_ids`. A joining user with no row, or already in
    `max_projects` projects, refuses the whole change (GroupLimitReached); a racing change of the
    project, Conflict."""
    users = set(user_ids)
    room = UserModel.project_ids.does_not_exist() | (size(UserModel.project_ids) < max_projects)
    try:
        with TransactWrite(connection=_connection()) as transaction:
            transaction.update(
                GroupModel(project.project_id),
                actions=[
                    GroupModel.user_ids.set(users) if users else GroupModel.user_ids.remove(),
                    GroupModel.version.add(1),
                ],
                condition=(GroupModel.version == project.version) & (GroupModel.kind == PROJECT),
            )
            for user_id in joined:
                transaction.update(
                    UserModel(user_id),
                    actions=[UserModel.project_ids.add({project.project_id})],
                    condition=UserModel.user_id.exists() & room,
                )
            for user_id in left:
                transaction.update(
                    UserModel(user_id), actions=[UserModel.project_ids.delete({project.project_id})]
                )
    except TransactWriteError as exc:
        if not is_refused(exc):
            raise
        reasons = exc.cancellation_reasons or []
        if reasons and reasons[0] is not None and reasons[0].code in REFUSAL_REASONS:
            raise CHANGED from exc
        raise GroupLimitReached(
            f"A user may be in at most {max_projects} projects; someone you added is in as many"
        ) from exc


def delete(project: Project) -> None:
    """One transaction: the project item (if its version is still the one read) and the project
    on each member's row, so membership ends with the project, on the next request."""
    with (
        refused_as(CHANGED),
        TransactWrite(connection=_connection()) as transaction,
    ):
        transaction.delete(
            GroupModel(project.project_id),
            condition=(GroupModel.version == project.version) & (GroupModel.kind == PROJECT),
        )
        for user_id in sorted(project.user_ids):
            transaction.update(
                UserModel(user_id), actions=[UserModel.project_ids.delete({project.project_id})]
            )
