"""`make bench`: what each operation costs, at two table sizes, and each handler's cold import.

1. Round trips. The local stack runs in this process; each request is handled on a gateway
   thread whose botocore calls are counted (bench/counting.py). Every operation is measured with
   about 10 and about 5,000 nodes in the tables. Target: at most 3 DynamoDB round trips per
   request, the same at both sizes, and no Scan; a page of a node's params history is one Query
   beside the decision's reads (at most 2 BatchGetItem) and nothing else.
2. Cost by k. The sharing requests over k nodes (bench/sharing.py) are measured at k = 1, 25 and
   100 at the large size, and at k = 1 at the small size too. Target: no Scan; at k = 1 the same
   round trips at both sizes; and round trips(k) <= round trips(1) + the extra batches the k nodes
   need (`allowed_round_trips`), i.e. growth with the number of 25- or 100-item batches only,
   never with k itself.
3. The decision, from none to the limits (bench/decision.py): a READ and a WRITE of a node's
   params by its primary, by a user with one grant, by a user in 40 user groups on a node in 20
   node groups, and on such a node where 41 `rwp` secondaries made the caller's grants (set up
   once through the API, the same callers and nodes measured at both sizes). Target: the
   decision (the calls that only read) at most 2 round trips, a READ being nothing else; the
   same at both sizes; no Scan. Listing a caller's nodes by its own rule
   (`decision.listing_allowed`): its Query pages and user row, and four BatchGetItem steps of
   ceil(keys / 100) calls, never one more call per group. The joins past each limit are refused
   with 409 GroupLimitReached.
4. Write units (bench/writes.py): one params write, by a user and by the node, on a node with a
   small and with a large config. Target: no index write (the node catalog index is keys only),
   and the same units with either config (the config is an item apart from the node item).
5. Load on the local stack (bench/load.py): one stack in a subprocess, 1 and then 8 clients mixing
   params reads and writes and node listings for 15 s each (requests/s, p50 / p99 per operation),
   the stack's RSS and write time before and after 2,000 sequential params writes, and how long a
   SIGTERM takes to stop it. Target: no 5xx, RSS growth at most 100 MB, the write time at most
   doubled, a stop within 10 s.
6. Cold import (bench/imports.py), as Lambda runs it: each handler module is imported in a fresh
   interpreter from the function's code and the layer as synthesized, with bytecode (the build
   ships 3.14's; this Python's, made by the same compilation, stands for it), as is the baseline
   `import boto3; boto3.client("dynamodb")` (the runtime's boto3, compiled), one baseline run just
   before each handler run, in the same run. Target: each handler's median paired ratio
   handler / baseline at most 1.3; a summary line gives the median, the worst and how many are.
   Then three handlers are cross-checked in Python 3.14 itself (Pyodide, reading the shipped
   bytecode; `python -m bench imports-runtime-python`): printed, with no target (WebAssembly's
   costs are not Lambda's).

Exit status 1 when a target is missed.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MAX_ROUND_TRIPS = 3
SIZES = (10, 5000)

# No stream delivery while measuring: the processor's own calls are not a request's cost.
os.environ["STREAM_LAG_SECONDS"] = "1000000"
# The bench's local stack keeps its state in a folder of its own, gone when the bench ends: its
# 5,000 seeded nodes never land in the developer's DATA_DIR (`make dev`'s state).
_DATA_DIR = tempfile.mkdtemp(prefix="nodeshare-bench-")
os.environ["DATA_DIR"] = _DATA_DIR
atexit.register(shutil.rmtree, _DATA_DIR, ignore_errors=True)
os.environ.setdefault("ADMIN_PASSWORD", "Bench-Operat0r!")


def main() -> int:
    from bench.imports import report_imports, report_importtime, report_in_runtime_python

    if sys.argv[1:2] == ["imports"]:  # `python -m bench imports [MODULE...]`: that section alone
        return 0 if report_imports(sys.argv[2:]) else 1
    if sys.argv[1:2] == ["imports-runtime-python"]:  # the cross-check in Pyodide's 3.14 alone
        report_in_runtime_python()
        return 0
    if sys.argv[1:2] == ["importtime"] and len(sys.argv) == 3:  # `-X importtime` of one handler
        report_importtime(sys.argv[2])
        return 0
    from bench import counting

    counting.install()
    from bench.decision import measure_decision
    from bench.load import measure_load, report_load
    from bench.scenario import measure_operations
    from bench.scopes import measure_scopes
    from bench.sharing import K_VALUES, measure_sharing
    from bench.writes import measure_write_units, report_write_units

    if sys.argv[1:] == ["scopes"]:  # `python -m bench scopes`: that section alone
        return 0 if report_scopes({size: measure_scopes(size) for size in SIZES}) else 1
    if sys.argv[1:] == ["operations"]:  # `python -m bench operations`: the per-request costs alone
        return 0 if report_round_trips({size: measure_operations(size) for size in SIZES}) else 1
    if sys.argv[1:] == ["writes"]:  # `python -m bench writes`: that section alone
        return 0 if report_write_units(measure_write_units()) else 1
    if sys.argv[1:] == ["load"]:  # `python -m bench load`: that section alone
        return 0 if report_load(measure_load()) else 1
    results: dict[int, dict[str, Any]] = {}
    by_k: dict[int, dict[str, dict[int, Any]]] = {}
    decisions: dict[int, Any] = {}
    scopes: dict[int, Any] = {}
    for size in SIZES:
        results[size] = measure_operations(size)
        single, by_k[size] = measure_sharing(size, K_VALUES if size == SIZES[-1] else K_VALUES[:1])
        results[size].update(single)
        decisions[size] = measure_decision(size)
        scopes[size] = measure_scopes(size)
    ok = report_round_trips(results)
    ok = report_cost_by_k(by_k) and ok
    ok = report_decision(decisions) and ok
    ok = report_scopes(scopes) and ok
    ok = report_write_units(measure_write_units()) and ok
    ok = report_load(measure_load()) and ok
    ok = report_imports() and ok
    report_in_runtime_python()
    return 0 if ok else 1


# Rows named for what the request does rather than for its route.
BENCH_NAMES = {
    "accept_share_request": "update_share_request",
    "decline_share_request": "update_share_request",
}


def account_check(operation: str) -> int:
    """The one GetItem a route makes before its own work when a user calls it: whether the
    caller's account still is (`Route.checks_account`, `authorization.require_account`). The
    target counts the operation's own round trips, beside it."""
    from nodeshare.routes import ROUTES_BY_OPERATION

    name = operation.split(" ")[0]
    route = ROUTES_BY_OPERATION.get(BENCH_NAMES.get(name, name))
    return 1 if route is not None and route.checks_account else 0


def report_round_trips(results: dict[int, dict[str, Any]]) -> bool:
    from bench.scenario import HISTORY_PAGE

    small, large = results[SIZES[0]], results[SIZES[1]]
    print(
        f"\nDynamoDB cost per request (nodes in the tables: {SIZES[0]} | {SIZES[1]}); target: no Scan, the"
        f" same at both sizes,\n  at most {MAX_ROUND_TRIPS} round trips beside the account check (one"
        " GetItem before a user route's own work)"
    )
    print(
        f"{'operation':<34}{'round trips':>14}{'items read':>14}{'items written':>15}{'cognito':>9}  verdict"
    )
    ok = True
    for operation, cost in small.items():
        big = large[operation]
        limit = MAX_ROUND_TRIPS + account_check(operation)
        fine = cost.round_trips <= limit and cost.round_trips == big.round_trips and not big.scans
        if operation.startswith(HISTORY_PAGE):  # one Query, beside the decision's reads
            fine = fine and all(
                c.operations["Query"] == 1 and c.reads == c.round_trips and c.operations["BatchGetItem"] <= 2
                for c in (cost, big)
            )
        ok = ok and fine
        columns = (
            f"{cost.round_trips:>7} |{big.round_trips:>4}",
            f"{cost.items_read:>8} |{big.items_read:>4}",
            f"{cost.items_written:>9} |{big.items_written:>4}",
            f"{big.cognito_calls:>9}",
        )
        print(f"{operation:<34}{''.join(columns)}  {'ok' if fine else 'MISSED'}")
    return ok


def allowed_round_trips(one: Any, cost: Any) -> int:
    """What a request over k nodes may cost: its round trips at k = 1, plus the extra batches the
    k nodes need. Extra batches = the fewest batched calls that can carry what the request sent at
    k, minus the same at k = 1, where the fewest calls are ceil(keys / 100) for BatchGetItem,
    ceil(items / 100) for TransactWriteItems (and TransactGetItems), ceil(requests / 25) for
    BatchWriteItem (`Cost.fewest_batches`). Every other call (GetItem, Query, PutItem, UpdateItem,
    DeleteItem, ...) gets no allowance: one more of those per node is growth with k.

    What this allows beyond the strict count: the keys (items) of one kind are summed over the
    whole request, so at k = 1 two separate one-node BatchGetItems count as a single batch; the
    allowance can then exceed a per-step count by (separate batched steps of that kind - 1), e.g.
    share_nodes at k = 100 is allowed 9 where its two 50-node-per-call loads strictly need 8. It
    is never below the per-step count, so a properly batched request is never failed."""
    return one.round_trips + cost.fewest_batches - one.fewest_batches


def report_cost_by_k(by_k: dict[int, dict[str, dict[int, Any]]]) -> bool:
    from bench.sharing import K_VALUES

    small, large = by_k[SIZES[0]], by_k[SIZES[-1]]
    ks = K_VALUES[1:]

    def row(values: Any) -> str:
        return "".join(f"{value:>5}" for value in values)

    print(
        f"\nCost by k (nodes per request) at {SIZES[-1]} nodes in the tables; "
        f"round trips at k=1 also at {SIZES[0]} ({SIZES[0]} | {SIZES[-1]})"
    )
    print(
        f"{'':<38}{'round trips':^19}  {'allowed':^10}  {'items read':^15}  {'items written':^15}\n"
        f"{'operation':<38}{'k=1':>9}{row(ks)}  {row(ks)}  {row(K_VALUES)}  {row(K_VALUES)}  verdict"
    )
    ok, above_target = True, []
    for operation, costs in large.items():
        one, one_small = costs[1], small[operation][1]
        allowed = [allowed_round_trips(one, costs[k]) for k in ks]
        steady = one_small.round_trips == one.round_trips and not any(
            cost.scans for cost in (one_small, *costs.values())
        )
        batched = all(costs[k].round_trips <= limit for k, limit in zip(ks, allowed, strict=True))
        verdict = "ok" if steady and batched else "MISSED"
        ok = ok and verdict == "ok"
        if one.round_trips > MAX_ROUND_TRIPS + account_check(operation):
            above_target.append(f"{operation} {one.round_trips}")
        print(
            f"{operation:<38}{one_small.round_trips:>4} |{one.round_trips:>3}"
            f"{row(costs[k].round_trips for k in ks)}  {row(allowed)}"
            f"  {row(costs[k].items_read for k in K_VALUES)}  {row(costs[k].items_written for k in K_VALUES)}"
            f"  {verdict}"
        )
    print(
        "allowed = round trips at k=1 + the extra batches the k nodes need, from what the request sent:\n"
        "  ceil(keys / 100) BatchGetItem, ceil(items / 100) TransactWriteItems, ceil(requests / 25)\n"
        "  BatchWriteItem; no allowance for any other call (one more GetItem or Query per node is growth)"
    )
    print("\nCalls per request, k = " + " / ".join(map(str, K_VALUES)))
    for operation, costs in large.items():
        names = sorted(set().union(*(cost.operations for cost in costs.values())))
        calls = ", ".join(
            f"{name} {'/'.join(str(costs[k].operations[name]) for k in K_VALUES)}" for name in names
        )
        print(f"{operation:<38}{calls}")
    if above_target:
        print(
            f"\nnote: at k=1 above the {MAX_ROUND_TRIPS} round trips (beside the account check) targeted for"
            f" single requests (not part of the verdict by k):\n  {', '.join(above_target)}"
        )
    return ok


def _calls(cost: Any) -> str:
    return ", ".join(f"{name} {count}" for name, count in sorted(cost.operations.items()))


def report_decision(decisions: dict[int, Any]) -> bool:
    from bench.decision import CASES, LISTINGS, MAX_DECISION_ROUND_TRIPS, READ, listing_allowed

    small, large = decisions[SIZES[0]], decisions[SIZES[-1]]
    calls_at = f"calls (at {SIZES[-1]})"
    print(
        f"\nThe decision from none to the limits (nodes in the tables: {SIZES[0]} | {SIZES[-1]}); target:"
        f" the decision (its reads, beside the account check's GetItem)\n  at most"
        f" {MAX_DECISION_ROUND_TRIPS} round trips, a READ nothing else, the same at both sizes, no Scan"
    )
    print(
        f"{'caller':<45}{'request':<14}{'round trips':>12}{'decision':>11}{'keys':>6}  {calls_at:<40}verdict"
    )
    ok = True
    # Both requests are a user's (GET / PUT /v1/user/nodes/params): the account check's GetItem
    # comes before the decision and is not one of its reads.
    check = account_check("get_node_params")
    for case in CASES:
        for request, cost in small.decisions[case].items():
            big = large.decisions[case][request]
            fine = (
                max(cost.reads, big.reads) - check <= MAX_DECISION_ROUND_TRIPS
                and (request != READ or big.round_trips == big.reads)
                and cost.round_trips == big.round_trips
                and not (cost.scans or big.scans)
            )
            ok = ok and fine
            print(
                f"{case:<45}{request:<14}{cost.round_trips:>7} |{big.round_trips:>3}"
                f"{cost.reads - check:>6} |{big.reads - check:>3}"
                f"{big.batched['BatchGetItem']:>6}  {_calls(big):<40}"
                f"{'ok' if fine else 'MISSED'}"
            )
    print("keys: asked for in the BatchGetItems, at the large size (100 per call)")

    print(
        f"\nListing the caller's nodes, GET /v1/user/nodes ({SIZES[0]} | {SIZES[-1]}); rule: allowed ="
        " Query pages + its user row\n  + ceil(keys / 100) + 3 (four BatchGetItem steps: its user groups,"
        " the node groups granted, the decision's two),\n  no call per group; the same at both sizes"
    )
    print(f"{'caller':<42}{'round trips':>12}{'allowed':>9}{'keys':>6}  {calls_at:<40}verdict")
    for name in LISTINGS:
        cost, big = small.listings[name], large.listings[name]
        allowed = min(listing_allowed(cost), listing_allowed(big))
        fine = max(cost.round_trips, big.round_trips) <= allowed and cost.round_trips == big.round_trips
        fine = fine and not (cost.scans or big.scans)
        ok = ok and fine
        print(
            f"{name:<42}{cost.round_trips:>7} |{big.round_trips:>3}{allowed:>9}"
            f"{big.batched['BatchGetItem']:>6}  {_calls(big):<40}{'ok' if fine else 'MISSED'}"
        )
    one, most = (large.listings[name] for name in LISTINGS[1:])
    point_reads = {
        name: (cost.operations["Query"], cost.operations["GetItem"]) for name, cost in large.listings.items()
    }
    from_one = allowed_round_trips(one, most)
    steady = most.round_trips <= from_one and len(set(point_reads.values())) == 1
    ok = ok and steady
    print(
        f"{LISTINGS[-1]}: {most.round_trips} <= {from_one}, what {LISTINGS[1]} costs + the extra batches"
        " its keys need,\n  and every listing makes the same Query and GetItem calls:"
        f" {'ok' if steady else 'MISSED'}"
    )

    print(f"\nPast the limits ({SIZES[0]} | {SIZES[-1]})")
    for name, (status, code, cost) in large.refusals.items():
        small_status, small_code, small_cost = small.refusals[name]
        fine = (status, code) == (small_status, small_code) and 400 <= status < 500
        ok = ok and fine
        print(
            f"{name:<42}{status} error_code {code}, round trips {small_cost.round_trips} |"
            f" {cost.round_trips}  {'ok' if fine else 'MISSED'}"
        )
    return ok


def report_scopes(costs: dict[int, dict[str, Any]]) -> bool:
    from bench.scopes import IN_MANY, PRODUCTS, PROJECTS, THINGS

    small, large = costs[SIZES[0]], costs[SIZES[-1]]
    print(
        f"\nScopes and discovery (issue 10), a caller in 1 project; tables: {SIZES[0]} nodes,"
        f" {PROJECTS[SIZES[0]]} project, {PRODUCTS[SIZES[0]]} product | {SIZES[-1]} nodes,"
        f" {PROJECTS[SIZES[-1]]} projects, {PRODUCTS[SIZES[-1]]} products\n  target: the same round trips"
        " at both sizes, no Scan"
    )
    print(f"{'operation':<40}{'round trips':>14}{'items read':>14}  {'calls (large)':<48}verdict")
    ok = True
    for operation, cost in small.items():
        big = large[operation]
        fine = cost.round_trips == big.round_trips and not (cost.scans or big.scans)
        ok = ok and fine
        columns = f"{cost.round_trips:>7} |{big.round_trips:>4}{cost.items_read:>8} |{big.items_read:>4}"
        print(f"{operation:<40}{columns}  {_calls(big):<48}{'ok' if fine else 'MISSED'}")
    if IN_MANY in large:
        one, many = large[THINGS], large[IN_MANY]
        grows = many.operations["Query"] - one.operations["Query"]
        print(f"{IN_MANY:<40}{many.round_trips:>14}{many.items_read:>14}  {_calls(many):<48}(not judged)")
        print(
            f"  discovery grows with the caller's own projects only, one Query each (+{grows} for 99 more),"
            " never with the tables'"
        )
    return ok


if __name__ == "__main__":
    sys.exit(main())
