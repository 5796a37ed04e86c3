"""`make bench`: what each operation costs, at two table sizes, and each handler's cold import.

1. Round trips. The local stack runs in this process; each request is handled on a gateway
   thread whose botocore calls are counted (bench/counting.py). Every operation is measured with
   about 10 and about 5,000 nodes in the tables. Target: at most 3 DynamoDB round trips per
   request, the same at both sizes, and no Scan.
2. Cold import. Each handler module is imported in a fresh interpreter and timed, as is the
   baseline `import boto3; boto3.client("dynamodb")`, interleaved, in the same run. Target: the
   median ratio handler / baseline at most 1.3.

Exit status 1 when a target is missed.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MAX_ROUND_TRIPS = 3
MAX_IMPORT_RATIO = 1.3
SIZES = (10, 5000)
IMPORT_RUNS = 7

# No stream delivery while measuring: the processor's own calls are not a request's cost.
os.environ["STREAM_LAG_SECONDS"] = "1000000"
os.environ.setdefault("ADMIN_PASSWORD", "Bench-Operat0r!")


def main() -> int:
    from bench import counting

    counting.install()
    from bench.scenario import measure_operations

    results = {size: measure_operations(size) for size in SIZES}
    ok = report_round_trips(results)
    ok = report_imports() and ok
    return 0 if ok else 1


def report_round_trips(results: dict[int, dict[str, Any]]) -> bool:
    small, large = results[SIZES[0]], results[SIZES[1]]
    print(f"\nDynamoDB cost per request (nodes in the tables: {SIZES[0]} | {SIZES[1]})")
    print(
        f"{'operation':<34}{'round trips':>14}{'items read':>14}{'items written':>15}{'cognito':>9}  verdict"
    )
    ok = True
    for operation, cost in small.items():
        big = large[operation]
        fine = cost.round_trips <= MAX_ROUND_TRIPS and cost.round_trips == big.round_trips and not big.scans
        ok = ok and fine
        columns = (
            f"{cost.round_trips:>7} |{big.round_trips:>4}",
            f"{cost.items_read:>8} |{big.items_read:>4}",
            f"{cost.items_written:>9} |{big.items_written:>4}",
            f"{big.cognito_calls:>9}",
        )
        print(f"{operation:<34}{''.join(columns)}  {'ok' if fine else 'MISSED'}")
    return ok


def _import_seconds(statement: str) -> float:
    code = (
        "import sys, time\n"
        f"sys.path[:0] = [{str(ROOT / 'functions')!r}, {str(ROOT / 'layers' / 'shared' / 'python')!r}]\n"
        "start = time.perf_counter()\n"
        f"{statement}\n"
        "print(time.perf_counter() - start)\n"
    )
    env = {**os.environ, "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}
    output = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return float(output.stdout.strip().splitlines()[-1])


def report_imports() -> bool:
    sys.path.insert(0, str(ROOT / "layers" / "shared" / "python"))
    from nodeshare.routes import ROUTES, STREAM_HANDLER

    modules = sorted({route.handler for route in ROUTES} | {STREAM_HANDLER})
    baseline_statement = "import boto3; boto3.client('dynamodb')"
    timings: dict[str, list[float]] = {module: [] for module in modules}
    baseline: list[float] = []
    for _ in range(IMPORT_RUNS):  # interleaved, so machine noise hits both sides alike
        baseline.append(_import_seconds(baseline_statement))
        for module in modules:
            timings[module].append(_import_seconds(f"import {module}"))
    base = statistics.median(baseline)
    print(f"\nCold import, median of {IMPORT_RUNS} (baseline `{baseline_statement}`: {base * 1000:.0f} ms)")
    ok = True
    for module in modules:
        ratio = statistics.median(timings[module]) / base
        ok = ok and ratio <= MAX_IMPORT_RATIO
        verdict = "ok" if ratio <= MAX_IMPORT_RATIO else "MISSED"
        print(
            f"{module:<34}{statistics.median(timings[module]) * 1000:>8.0f} ms  ratio {ratio:4.2f}  {verdict}"
        )
    return ok


if __name__ == "__main__":
    sys.exit(main())
