"""Write units of a params write (issue 12, "Cost and cold start"), for a node with a small and
with a large config, measured through the local stack (`bench/counting.py` computes the units):
a user's write (`PUT /v1/user/nodes/params`) and the node's own report (`PUT
/v1/things/{node_id}/params`).

A params write is one transaction: the node item (an UpdateItem of the values written) and its
archive record. DynamoDB bills the node item's write by the item's whole size, so the node's
config is not on that item but on an item of its own (`store.models.NodeConfigModel`): the units
are the same whatever the config's size. The `by_catalog` index, keys only, is not written at all
(it copied the whole item, and so the same units again, while it projected ALL). Before the config
moved: 4 units with the small config, 40 with the large one (18.6 KB node item)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from bench.counting import KB, Cost, measuring

SMALL, LARGE = "small config (1 device)", "large config (30 devices x 6 params)"
USER, THING = "user", "thing"


def large_config() -> dict:
    params = [
        {"name": f"P{j}", "type": "esp.param.level", "data_type": "int", "properties": ["read", "write"],
         "bounds": {"min": 0, "max": 100, "step": 1}, "ui_type": "esp.ui.slider"}
        for j in range(6)
    ]  # fmt: skip
    devices = [{"name": f"Dev{i}", "type": "esp.device.light", "params": params} for i in range(30)]
    return {
        "node_id": "",
        "config_version": "2020-03-20",
        "info": {"name": "Big", "type": "t"},
        "devices": devices,
    }


@dataclass(frozen=True)
class WriteCost:
    cost: Cost
    config_bytes: int  # the node's config as JSON

    @property
    def all_projection_units(self) -> int:
        """What the index would add if it projected the whole item (as it did)."""
        return max(1, math.ceil(self.cost.largest_item_bytes / KB))


def measure_write_units() -> dict[tuple[str, str], WriteCost]:
    """{(config, writer): cost} of one params write, by a user and by the node itself."""
    import json

    from bench.scenario import _local_stack
    from tests.support.client import LIGHT_CONFIG, LIGHT_PARAMS

    _stack, api = _local_stack()
    user = api.user("writes")
    results: dict[tuple[str, str], WriteCost] = {}
    nodes: dict[str, tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = {
        SMALL: (LIGHT_CONFIG, LIGHT_PARAMS, {"Light": {"Power": True}}),
        LARGE: (large_config(), {"Dev0": {"P0": 1}}, {"Dev0": {"P0": 2}}),
    }
    for name, (config, params, write) in nodes.items():
        node_id = api.node(config=config, params=params)
        assert api.claim(user, node_id).status_code == 204
        thing = api.thing(node_id)
        size = len(json.dumps(config))
        for writer, caller, path in (
            (USER, user, f"/v1/user/nodes/params?nodeid={node_id}"),
            (THING, thing, f"/v1/things/{node_id}/params"),
        ):
            cost = Cost()
            with measuring(cost):
                response = caller.put(path, json=write)
            assert response.status_code in (200, 204), response.text
            results[(name, writer)] = WriteCost(cost, size)
    return results


def report_write_units(results: dict[tuple[str, str], WriteCost]) -> bool:
    """Target: a params write writes nothing into an index, and the same units whatever the
    node's config (by writer)."""
    print("\nWrite units of one params write (one node), by config size and writer")
    header = f"{'node':<40}{'config':>9}{'writer':>7}{'item':>9}{'table WU':>10}{'index WU':>10}{'if ALL':>8}"
    print(f"{header}  verdict")
    ok = True
    for (name, writer), result in results.items():
        cost = result.cost
        same = cost.write_units == results[(SMALL, writer)].cost.write_units
        fine = cost.index_write_units == 0 and same
        ok = ok and fine
        print(
            f"{name:<40}{result.config_bytes / KB:>7.1f}KB{writer:>7}{cost.largest_item_bytes / KB:>7.1f}KB"
            f"{cost.write_units:>10}{cost.index_write_units:>10}"
            f"{result.all_projection_units:>8}  {'ok' if fine else 'MISSED'}"
        )
    print(
        "config: the node's config as JSON, on its own item; item: the largest item written (the node\n"
        "  item, without its config); table WU: the node item (its whole size, twice in the\n"
        "  transaction) and its archive record; index WU: the global secondary indexes' (by_catalog\n"
        "  is keys only); if ALL: what by_catalog would add per write if it projected the node item.\n"
        "Target: the same table WU with either config. While the config was on the node item, a\n"
        "user's write cost 4 WU with the small config and 40 with the large one (18.6 KB item)."
    )
    return ok
