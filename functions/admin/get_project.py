"""GET /v1/admin/projects/{project_id} — one project and its users, for operators."""

from nodeshare.domain.projects import get_project as get
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import project


@endpoint("get_project")
def get_project(request: Request):
    return project(get(request.principal, request.path_project_id()))


handler = get_project
