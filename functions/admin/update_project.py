"""PUT /v1/admin/projects/{project_id} `{name?, description?}` — an operator renames or describes a
project; the project."""

from nodeshare.domain.projects import update_project as update
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import project


@endpoint("update_project")
def update_project(request: Request):
    project_id = request.path_project_id()
    body = request.body()
    updated = update(request.principal, project_id, body.get("name"), body.get("description"))
    return project(updated)


handler = update_project
