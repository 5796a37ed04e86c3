"""DELETE /v1/admin/projects/{project_id} — an operator deletes a project: its users are out of its
nodes' scope from the next request on."""

from nodeshare.domain.projects import delete_project as delete
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("delete_project")
def delete_project(request: Request):
    delete(request.principal, request.path_project_id())
    return success("Project deleted")


handler = delete_project
