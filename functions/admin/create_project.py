"""POST /v1/admin/projects `{name, description?}` — an operator creates a project -> 201, the project."""

from http import HTTPStatus

from nodeshare.domain.projects import create_project as create
from nodeshare.http.endpoint import endpoint, json_response
from nodeshare.http.request import Request
from nodeshare.http.shapes import project


@endpoint("create_project")
def create_project(request: Request):
    body = request.body()
    created = create(request.principal, body["name"], body.get("description", ""), request.now)
    return json_response(HTTPStatus.CREATED, project(created))


handler = create_project
