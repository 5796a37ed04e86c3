"""PUT /v1/admin/projects/{project_id}/users `{"users": [...]}` — replace, add (`+id`) or remove
(`-id`) a project's users by user id (the scope grammar); the project."""

from nodeshare.domain.projects import set_project_users as change
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import project


@endpoint("set_project_users")
def set_project_users(request: Request):
    project_id = request.path_project_id()
    return project(change(request.principal, project_id, request.body()["users"]))


handler = set_project_users
