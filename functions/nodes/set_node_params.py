"""PUT /v1/user/nodes/params — write params.

Two forms: the CLI's list `[{"node_id", "payload": {device: {param: value}}}, ...]`, answered per
node, and RainMaker's single form `?nodeid=` with the payload as the body. Decision: when every
node succeeds the answer is 200, when some do 207 Multi-Status (as RainMaker), and when none do
the first refusal's own status (400 for params the config does not allow, 404, 403, 409).
"""

from http import HTTPStatus
from typing import Any

from nodeshare.domain.nodes import set_params
from nodeshare.http.endpoint import endpoint, error_response, json_response
from nodeshare.http.errors import status_and_code
from nodeshare.http.request import Request
from nodeshare.http.shapes import success
from nodeshare.model.errors import BadRequest


@endpoint("set_node_params")
def set_node_params(request: Request):
    body: Any = request.body()
    if isinstance(body, list):
        writes = [(entry["node_id"], entry["payload"]) for entry in body]
    else:
        writes = [(request.node_id(), body)]
    if len({node_id for node_id, _ in writes}) != len(writes):
        raise BadRequest("Each node may appear once")

    outcome = set_params(request.principal, writes, request.now, request.now_ms)
    refusals = [refusal for refusal in outcome.values() if refusal is not None]
    if len(refusals) == len(outcome):
        status, code = status_and_code(refusals[0])
        return error_response(status, refusals[0].description, code)
    results = []
    for node_id, refusal in outcome.items():
        if refusal is None:
            results.append({"node_id": node_id, **success("Params updated")})
        else:
            results.append({"node_id": node_id, "status": "failure", "description": refusal.description,
                            "error_code": status_and_code(refusal)[1]})  # fmt: skip
    return json_response(HTTPStatus.MULTI_STATUS if refusals else HTTPStatus.OK, results)


handler = set_node_params
