"""Write units of a params write (issue 12, "Cost and cold start"), for a node with a small and
with a large config, measured through the local stack (`bench/counting.py` computes the units).

A params write is one transaction: the node item (an UpdateItem of the values written) and its
archive record. DynamoDB bills the node item's write by the item's whole size, so the table's
units still grow with the config; the `by_catalog` index, keys only, is not written at all (it
copied the whole item, and so the same units again, while it projected ALL)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from bench.counting import KB, Cost, measuring

SMALL, LARGE = "small config (1 device)", "large config (30 devices x 6 params)"


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

    @property
    def all_projection_units(self) -> int:
        """What the index would add if it projected the whole item (as it did)."""
        return max(1, math.ceil(self.cost.largest_item_bytes / KB))


def measure_write_units() -> dict[str, WriteCost]:
    from bench.scenario import _local_stack
    from tests.support.client import LIGHT_CONFIG, LIGHT_PARAMS

    _stack, api = _local_stack()
    user = api.user("writes")
    results: dict[str, WriteCost] = {}
    big = large_config()
    nodes = {
        SMALL: (LIGHT_CONFIG, LIGHT_PARAMS, {"Light": {"Power": True}}),
        LARGE: (big, {"Dev0": {"P0": 1}}, {"Dev0": {"P0": 2}}),
    }
    for name, (config, params, write) in nodes.items():
        node_id = api.node(config=config, params=params)
        assert api.claim(user, node_id).status_code == 204
        cost = Cost()
        with measuring(cost):
            response = user.put(f"/v1/user/nodes/params?nodeid={node_id}", json=write)
        assert response.status_code == 200, response.text
        results[name] = WriteCost(cost)
    return results


def report_write_units(results: dict[str, WriteCost]) -> bool:
    """Target: a params write writes nothing into an index."""
    print("\nWrite units of one params write (PUT /v1/user/nodes/params, one node), by config size")
    print(f"{'node':<40}{'item':>9}{'table WU':>10}{'index WU':>10}{'if ALL':>8}  verdict")
    ok = True
    for name, result in results.items():
        cost = result.cost
        fine = cost.index_write_units == 0
        ok = ok and fine
        print(
            f"{name:<40}{cost.largest_item_bytes / KB:>7.1f}KB"
            f"{cost.write_units:>10}{cost.index_write_units:>10}"
            f"{result.all_projection_units:>8}  {'ok' if fine else 'MISSED'}"
        )
    print(
        "table WU: the node item (its whole size, twice in the transaction) and its archive record;\n"
        "index WU: the global secondary indexes' (by_catalog is keys only); if ALL: what by_catalog\n"
        "  added per write while it projected the whole node item. The table's units still grow with\n"
        "  the config while params live on the node item."
    )
    return ok
