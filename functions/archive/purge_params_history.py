"""DELETE /v1/user/nodes/params/history?node_id=&from=&to= — delete the node's archive records in
[from, to) (epoch ms, both required), up to 1,000 per request: `deleted` says how many, `more`
whether the range still holds records (call again)."""

from nodeshare.domain.archive import purge
from nodeshare.http.endpoint import endpoint
from nodeshare.http.request import Request
from nodeshare.http.shapes import success


@endpoint("purge_params_history")
def purge_params_history(request: Request):
    node_id = request.node_id()
    from_ms = request.query_time_ms("from", required=True) or 0
    to_ms = request.query_time_ms("to", required=True) or 0
    purged = purge(request.principal, node_id, from_ms, to_ms, request.now)
    return success("Archive records deleted", deleted=purged.deleted, more=purged.more)


handler = purge_params_history
