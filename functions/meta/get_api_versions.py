"""GET /apiversions — public; RainMaker clients ask this first."""

from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request


@endpoint("get_api_versions")
def get_api_versions(request: Request):
    return {"supported_versions": ["v1"]}


handler = get_api_versions
