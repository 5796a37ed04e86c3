"""GET /v1/admin/projects[?start_id=&num_records=] — every project, in id order, for operators."""

from typing import Any

from nodeshare.domain.projects import list_projects as list_page
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import page_limit, project


@endpoint("list_projects")
def list_projects(request: Request):
    start_id = request.query_project_id("start_id")
    projects, next_id = list_page(request.principal, start_id, page_limit(request))
    body: dict[str, Any] = {"projects": [project(each) for each in projects]}
    if next_id:
        body["next_id"] = next_id
    return body


handler = list_projects
