"""Load on the local stack (issue 12, "Load on the local stack"), measured from outside.

One local stack (`python -m nodeshare.local`, a subprocess listening on 127.0.0.1 only) with a
user owning a node and a second user granted `r` on it. Then:

1. Throughput and latency: 1 client, then 8 client threads, each for `RUN_SECONDS`. Every client
   cycles GET /v1/user/nodes/params, PUT /v1/user/nodes/params (the owner), GET /v1/user/nodes,
   its GETs made by the owner and the reader in turn, with real access tokens. Reported:
   requests/s, p50 / p99 per operation, non-2xx answers. Target: no 5xx and no failed connection.
2. Memory: the stack process's RSS (`VmRSS` of /proc/<pid>/status) before and after
   `WRITES` sequential params writes to one node, and each write's time at the start and at the
   end (the median of the first and of the last `WRITE_WINDOW`). Target: RSS grows by at most
   `MAX_RSS_GROWTH_MB` and the write time at most doubles.
3. Stop: SIGTERM, timed until the process has exited. Target: within `MAX_STOP_SECONDS`, exit 0.

Bounded: about 35 s of load, the writes (a few ms to tens of ms each), the stack's start and stop.
Nothing but loopback is used. `python -m bench load` runs this section alone.
"""

from __future__ import annotations

import math
import signal
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

RUN_SECONDS = 15.0
CLIENT_COUNTS = (1, 8)
WRITES = 2000
WRITE_WINDOW = 100  # writes whose median is the "start" and the "end" write time
MAX_RSS_GROWTH_MB = 100
MAX_WRITE_SLOWDOWN = 2.0
MAX_STOP_SECONDS = 10.0
REQUEST_TIMEOUT = 30

GET_PARAMS, PUT_PARAMS, GET_NODES = "GET params", "PUT params", "GET nodes"
OPERATIONS = (GET_PARAMS, PUT_PARAMS, GET_NODES)


# --- pure helpers (tests/unit/test_bench_load.py) ---------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank q-th percentile (0 < q <= 100): the smallest value with at least q % of
    the values at or below it. No interpolation, so it is always a measured value."""
    if not values:
        raise ValueError("percentile of no values")
    if not 0 < q <= 100:
        raise ValueError(f"percentile must be in (0, 100], not {q}")
    ordered = sorted(values)
    return ordered[max(1, math.ceil(q / 100 * len(ordered))) - 1]


def vm_rss_bytes(status: str) -> int:
    """The resident set size from the text of /proc/<pid>/status (its `VmRSS:  <n> kB` line)."""
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            amount, unit = line.split()[1:3]
            if unit != "kB":
                raise ValueError(f"unexpected VmRSS unit: {line!r}")
            return int(amount) * 1024
    raise ValueError("no VmRSS line (is the process a zombie?)")


def slowdown(first: Sequence[float], last: Sequence[float]) -> float:
    """How many times slower the last writes are than the first (ratio of their medians)."""
    return statistics.median(last) / statistics.median(first)


# --- measuring ----------------------------------------------------------------------------------


def rss_bytes(pid: int) -> int:
    return vm_rss_bytes(Path(f"/proc/{pid}/status").read_text())


@dataclass
class Tally:
    """What the clients of one run saw."""

    seconds: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: {op: [] for op in OPERATIONS})
    statuses: dict[int, int] = field(default_factory=dict)  # non-2xx status -> count
    failures: list[str] = field(default_factory=list)  # connection errors, timeouts
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def requests(self) -> int:
        return sum(len(times) for times in self.latencies.values())

    @property
    def non_2xx(self) -> int:
        return sum(self.statuses.values())

    @property
    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500)

    def record(self, operation: str, seconds: float, status: int) -> None:
        with self.lock:
            self.latencies[operation].append(seconds)
            if not 200 <= status < 300:
                self.statuses[status] = self.statuses.get(status, 0) + 1


@dataclass(frozen=True)
class Seeded:
    base_url: str
    node_id: str
    owner_token: str
    reader_token: str


def _params_body(index: int) -> dict[str, Any]:
    return {"Light": {"Power": index % 2 == 0, "Brightness": index % 101}}


def _client(seeded: Seeded, tally: Tally, deadline: float, offset: int) -> None:
    """One client: GET params, PUT params, GET nodes, over and over until `deadline`."""
    session = requests.Session()
    params_url = f"{seeded.base_url}/v1/user/nodes/params?nodeid={seeded.node_id}"
    nodes_url = f"{seeded.base_url}/v1/user/nodes"
    owner = {"Authorization": seeded.owner_token}
    step = offset  # clients start at different points of the cycle
    while time.monotonic() < deadline:
        operation = OPERATIONS[step % len(OPERATIONS)]
        reader_turn = (step // len(OPERATIONS)) % 2 == 1
        getter = {"Authorization": seeded.reader_token if reader_turn else seeded.owner_token}
        started = time.perf_counter()
        try:
            if operation == GET_PARAMS:
                response = session.get(params_url, headers=getter, timeout=REQUEST_TIMEOUT)
            elif operation == PUT_PARAMS:
                response = session.put(
                    params_url, json=_params_body(step), headers=owner, timeout=REQUEST_TIMEOUT
                )
            else:
                response = session.get(nodes_url, headers=getter, timeout=REQUEST_TIMEOUT)
        except requests.RequestException as error:
            with tally.lock:
                tally.failures.append(f"{operation}: {type(error).__name__}: {error}")
            session.close()
            session = requests.Session()
        else:
            tally.record(operation, time.perf_counter() - started, response.status_code)
        step += 1
    session.close()


def run_clients(seeded: Seeded, clients: int, seconds: float = RUN_SECONDS) -> Tally:
    tally = Tally()
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_client, args=(seeded, tally, deadline, index), name=f"load-{index}")
        for index in range(clients)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    tally.seconds = time.perf_counter() - started
    return tally


@dataclass(frozen=True)
class Growth:
    rss_before: int
    rss_after: int
    times: list[float]  # each write's, in order
    seconds: float
    non_2xx: dict[int, int]

    @property
    def first_writes(self) -> list[float]:
        return self.times[:WRITE_WINDOW]

    @property
    def last_writes(self) -> list[float]:
        return self.times[-WRITE_WINDOW:]

    def by_quarter(self) -> list[list[float]]:
        size = math.ceil(len(self.times) / 4)
        return [self.times[start : start + size] for start in range(0, len(self.times), size)]

    @property
    def growth_mb(self) -> float:
        return (self.rss_after - self.rss_before) / 2**20

    @property
    def slowdown(self) -> float:
        return slowdown(self.first_writes, self.last_writes)


def sequential_writes(seeded: Seeded, pid: int, writes: int = WRITES) -> Growth:
    url = f"{seeded.base_url}/v1/user/nodes/params?nodeid={seeded.node_id}"
    headers = {"Authorization": seeded.owner_token}
    times: list[float] = []
    non_2xx: dict[int, int] = {}
    rss_before = rss_bytes(pid)
    started = time.perf_counter()
    with requests.Session() as session:
        for index in range(writes):
            begin = time.perf_counter()
            response = session.put(url, json=_params_body(index), headers=headers, timeout=REQUEST_TIMEOUT)
            times.append(time.perf_counter() - begin)
            if not 200 <= response.status_code < 300:
                non_2xx[response.status_code] = non_2xx.get(response.status_code, 0) + 1
    seconds = time.perf_counter() - started
    return Growth(
        rss_before=rss_before,
        rss_after=rss_bytes(pid),
        times=times,
        seconds=seconds,
        non_2xx=non_2xx,
    )


def timed_stop(process: subprocess.Popen[str]) -> tuple[float, int | None]:
    """SIGTERM, then the seconds until the process exited and its status (None: killed after
    `MAX_STOP_SECONDS` * 3 without exiting)."""
    started = time.perf_counter()
    process.send_signal(signal.SIGTERM)
    try:
        status: int | None = process.wait(timeout=MAX_STOP_SECONDS * 3)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        status = None
    return time.perf_counter() - started, status


# --- the section ---------------------------------------------------------------------------------


@dataclass
class LoadResults:
    rss_started: int = 0
    runs: dict[int, Tally] = field(default_factory=dict)
    growth: Growth | None = None
    stop_seconds: float = 0.0
    stop_status: int | None = None
    log_path: Path | None = None
    tracebacks: int = 0


def _seed(api: object) -> tuple[str, str, str]:
    from tests.support.client import Api

    assert isinstance(api, Api)
    owner, reader = api.user("load-owner"), api.user("load-reader")
    node_id = api.owned_node(owner)
    body = {"node_id": node_id, "permission": "r", "user_name": reader.user_name}
    response = owner.put("/v1/user/permissions", json=body)
    assert response.status_code == 200, response.text
    params = f"/v1/user/nodes/params?nodeid={node_id}"
    assert reader.get(params).status_code == 200, "the reader should read the node's params"
    assert reader.put(params, json=_params_body(1)).status_code == 403, "the reader may only read"
    assert owner.token and reader.token
    return node_id, owner.token, reader.token


def measure_load(progress: Callable[[str], None] = print) -> LoadResults:
    from tests.support.client import Api
    from tests.support.local_stack import start_local_stack

    # Stream records delivered as `make dev` does (the other sections hold them back).
    stack = start_local_stack(STREAM_LAG_SECONDS="0")
    results = LoadResults(log_path=stack.log_path)
    try:
        results.rss_started = rss_bytes(stack.process.pid)
        api = Api(stack.url, stack.admin_user_name, stack.admin_password)
        node_id, owner_token, reader_token = _seed(api)
        seeded = Seeded(stack.url, node_id, owner_token, reader_token)
        for clients in CLIENT_COUNTS:
            progress(f"  load: {clients} client(s) for {RUN_SECONDS:.0f} s ...")
            results.runs[clients] = run_clients(seeded, clients)
        progress(f"  load: {WRITES} sequential params writes ...")
        results.growth = sequential_writes(seeded, stack.process.pid)
    finally:
        results.stop_seconds, results.stop_status = timed_stop(stack.process)
    time.sleep(0.2)  # the log's drain thread writes what the stack printed last
    results.tracebacks = stack.log_path.read_text().count("Traceback")
    return results


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}"


def report_load(results: LoadResults) -> bool:
    print(
        f"\nLoad on the local stack (one stack, loopback; {RUN_SECONDS:.0f} s per run; each client cycles"
        " GET params, PUT params, GET nodes\n  on one node, GETs by its owner and by a reader in turn);"
        " target: no 5xx, no failed connection"
    )
    header = "".join(f"{op + ' p50|p99 ms':>24}" for op in OPERATIONS)
    print(f"{'clients':>7}{'requests':>10}{'req/s':>8}{header}{'non-2xx':>9}  verdict")
    ok = True
    for clients, tally in results.runs.items():
        fine = tally.server_errors == 0 and not tally.failures
        ok = ok and fine
        columns = "".join(
            f"{_ms(percentile(times, 50)):>17} |{_ms(percentile(times, 99)):>5}" if times else f"{'-':>24}"
            for times in tally.latencies.values()
        )
        rate = tally.requests / tally.seconds
        print(
            f"{clients:>7}{tally.requests:>10}{rate:>8.1f}{columns}{tally.non_2xx:>9}"
            f"  {'ok' if fine else 'MISSED'}"
        )
        for status, count in sorted(tally.statuses.items()):
            print(f"{'':>7}  {count} answered {status}")
        for failure in tally.failures[:5]:
            print(f"{'':>7}  failed: {failure}")

    growth = results.growth
    if growth is not None:
        mb = 2**20
        fine = (
            growth.growth_mb <= MAX_RSS_GROWTH_MB
            and growth.slowdown <= MAX_WRITE_SLOWDOWN
            and not any(status >= 500 for status in growth.non_2xx)
        )
        ok = ok and fine
        print(
            f"\n{WRITES} sequential params writes to one node ({growth.seconds:.0f} s); target: RSS grows"
            f" by at most {MAX_RSS_GROWTH_MB} MB,\n  a write (median of the first | last {WRITE_WINDOW}) at"
            f" most {MAX_WRITE_SLOWDOWN:g}x slower; the stack's RSS was {results.rss_started / mb:.0f} MB"
            " when it had started"
        )
        heading = f"{'RSS before':>12}{'after':>10}{'growth':>10}{'write ms first | last':>24}{'ratio':>7}"
        print(f"{heading}  verdict")
        first, last = (statistics.median(times) * 1000 for times in (growth.first_writes, growth.last_writes))
        print(
            f"{growth.rss_before / mb:>9.0f} MB{growth.rss_after / mb:>7.0f} MB{growth.growth_mb:>+7.0f} MB"
            f"{first:>16.1f} |{last:>6.1f}{growth.slowdown:>7.2f}  {'ok' if fine else 'MISSED'}"
        )
        medians = " | ".join(_ms(statistics.median(chunk)) for chunk in growth.by_quarter())
        print(f"  median write by quarter of the {WRITES}: {medians} ms")
        for status, count in sorted(growth.non_2xx.items()):
            print(f"  {count} answered {status}")
    else:
        ok = False
        print("\nsequential writes: not measured (the load run failed)")

    stopped = results.stop_status == 0 and results.stop_seconds <= MAX_STOP_SECONDS
    ok = ok and stopped
    exit_status = "killed" if results.stop_status is None else f"exit {results.stop_status}"
    print(
        f"\nStop (SIGTERM): {results.stop_seconds:.1f} s, {exit_status}; target: at most"
        f" {MAX_STOP_SECONDS:g} s, exit 0  {'ok' if stopped else 'MISSED'}"
    )
    if results.tracebacks:
        ok = False
        print(f"MISSED: {results.tracebacks} traceback(s) in the stack's log, {results.log_path}")
    return ok
