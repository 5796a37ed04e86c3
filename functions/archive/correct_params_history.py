"""PUT /v1/user/nodes/params/history?node_id= `{"timestamp": ms, "params": {device: {param:
value}}}` — add a correction record to the node's params archive -> 201 with the record."""

from http import HTTPStatus

from nodeshare.domain.archive import add_correction
from nodeshare.http.endpoint import endpoint, json_response
from nodeshare.http.request import Request
from nodeshare.http.shapes import archive_record, success


@endpoint("correct_params_history")
def correct_params_history(request: Request):
    body = request.body()
    timestamp_ms = int(body["timestamp"])  # the schema's integer: 1.7e12 is one too
    record = add_correction(
        request.principal, request.node_id(), timestamp_ms, body["params"], request.now, request.now_ms
    )
    return json_response(HTTPStatus.CREATED, success("Correction recorded", **archive_record(record)))


handler = correct_params_history
