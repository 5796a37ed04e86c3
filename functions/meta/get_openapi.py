"""GET /v1/openapi.json — public; this API's OpenAPI document, generated from the route table."""

from nodeshare.http.endpoint import endpoint
from nodeshare.http.openapi import document
from nodeshare.http.request import Request


@endpoint("get_openapi")
def get_openapi(request: Request):
    return document()


handler = get_openapi
