"""Cold import of each handler, measured as Lambda runs it (issue 12, "Cost and cold start").

A cold start imports the handler's module from the function's code (`/var/task`) and the shared
layer (`/opt/python`), both read-only: Python writes no bytecode there, and reads only what the
build shipped. The build ships bytecode for Lambda's Python (3.14, compiled by Pyodide:
`infra/bytecode.py`), so a module of ours or of the layer's packages is unmarshalled, not compiled.
boto3 and botocore come with the runtime, which ships them compiled.

So each measurement here runs in a fresh interpreter (`-I -S -B`: no site-packages, no
PYTHONPATH, no `.pth` files, never writing bytecode) whose path is what Lambda's is:

- `task/`: the function code as synthesized (`CompiledCopyBundling`, the very bundling `cdk synth`
  runs);
- `opt/python/`: the layer as synthesized (`PipBundling.try_bundle`: the pinned wheels for Lambda's
  platform and Python, `--no-compile`, the lazy `__init__`s, `nodeshare` without `local/`);
- `runtime/`: the packages the Lambda Python runtime provides (`RUNTIME_PACKAGES`), linked from
  this environment with the bytecode pip compiled for them, as the runtime's are.

What this cannot reproduce is Lambda's Python itself: the ratio is measured with this machine's
interpreter, which cannot read the shipped 3.14 bytecode (a `.pyc` is only read by the minor
version that wrote it). So the staging adds, beside it, this interpreter's bytecode made by the
same compilation (`bytecode.compile_here`: every module, unchecked-hash), which stands for the
shipped one; `tests/infra/test_layer.py` checks in Pyodide's 3.14 that Lambda's Python imports
every handler from the shipped bytecode without compiling a module of ours or of the layer.

Nothing else is importable: a handler importing a package the layer does not ship fails here as it
would in Lambda. The baseline `import boto3; boto3.client("dynamodb")` runs under the same
conditions in the same run, once just before each run of a handler (`measure_imports`); the report
ends with one summary line (median and worst ratio, how many handlers are within the target). The
staging is a fresh temporary folder; no bytecode is written there during the runs (checked after
them).

Not measured: the either-token authorizer (`functions/authorizers/either_token.py`), which is
not a route and imports PyJWT and cryptography on purpose; the layer's cryptography is built for
Lambda's aarch64 / Python 3.14 and cannot be loaded on this machine.

`python -m bench imports` runs this section alone; `python -m bench imports MODULE...` measures
those handlers only; `python -m bench importtime MODULE` prints `-X importtime` for one handler
under the same conditions, largest cumulative first.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_IMPORT_RATIO = 1.3
IMPORT_RUNS = 7
BASELINE = "import boto3; boto3.client('dynamodb')"
EXCLUDED = {
    "authorizers.either_token": "not a route; imports PyJWT and cryptography on purpose (the "
    "layer's cryptography is built for Lambda's aarch64 / Python 3.14, not loadable here)",
}
ENVIRONMENT = {"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1", "LANG": "C.UTF-8"}


@dataclass(frozen=True)
class Staging:
    task: Path
    layer: Path
    runtime: Path

    @property
    def path(self) -> list[str]:
        return [str(self.task), str(self.layer), str(self.runtime)]

    def bytecode(self) -> set[Path]:
        """The bytecode in the function's and the layer's copy."""
        return {*self.task.rglob("*.pyc"), *self.layer.rglob("*.pyc")}


@contextmanager
def staged() -> Iterator[Staging]:
    sys.path.insert(0, str(ROOT))
    from infra import FUNCTIONS_SOURCE, LAYER_SOURCE
    from infra.bytecode import CompiledCopyBundling, compile_here
    from infra.layer import RUNTIME_PACKAGES, RUNTIME_VERSION, PipBundling

    with tempfile.TemporaryDirectory(prefix="nodeshare-cold-") as folder:
        root = Path(folder)
        CompiledCopyBundling(FUNCTIONS_SOURCE, RUNTIME_VERSION).try_bundle(str(root / "task"))
        PipBundling(LAYER_SOURCE).try_bundle(str(root / "opt"))
        runtime = root / "runtime"
        runtime.mkdir()
        for name in RUNTIME_PACKAGES:
            spec = importlib.util.find_spec(name)
            assert spec is not None and spec.origin, f"{name} is not installed"
            origin = Path(spec.origin)
            source = origin.parent if origin.name == "__init__.py" else origin
            (runtime / source.name).symlink_to(source, target_is_directory=source.is_dir())
        staging = Staging(root / "task", root / "opt" / "python", runtime)
        for shipped in (staging.task, staging.layer):
            compile_here(shipped)  # stands for the shipped bytecode, which only 3.14 reads
        compiled = staging.bytecode()
        yield staging
        written = staging.bytecode() - compiled
        assert not written, f"bytecode was written into the staged code: {sorted(written)[:3]}"


def _run(staging: Staging, statement: str, *options: str) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys, time\n"
        f"sys.path[:0] = {staging.path!r}\n"
        "start = time.perf_counter()\n"
        f"{statement}\n"
        "print(time.perf_counter() - start)\n"
    )
    return subprocess.run(
        [sys.executable, "-I", "-S", "-B", *options, "-c", code],
        env={**ENVIRONMENT, "PATH": os.environ.get("PATH", "")},
        cwd=staging.task,
        capture_output=True,
        text=True,
        check=True,
    )


def import_seconds(staging: Staging, statement: str) -> float:
    return float(_run(staging, statement).stdout.strip().splitlines()[-1])


def handler_modules() -> list[str]:
    sys.path.insert(0, str(ROOT / "layers" / "shared" / "python"))
    from nodeshare.routes import ROUTES, STREAM_HANDLER

    return sorted(({route.handler for route in ROUTES} | {STREAM_HANDLER}) - set(EXCLUDED))


@dataclass(frozen=True)
class ImportTime:
    seconds: float  # the handler's median
    baseline_seconds: float  # the median of the baselines run beside it
    ratio: float  # the median of the paired ratios


def measure_imports(modules: Sequence[str] = ()) -> dict[str, ImportTime]:
    """Each handler's cold import beside the baseline's: every run of a handler is paired with a
    run of the baseline just before it, and its ratio is the median of its pairs' ratios, so what
    else the machine does meanwhile weighs on both sides of each pair alike (one baseline per round
    let a handler measured late in a slow round look twice as heavy as one measured early)."""
    modules = list(modules) or handler_modules()
    pairs: dict[str, list[tuple[float, float]]] = {module: [] for module in modules}
    with staged() as staging:
        for _ in range(IMPORT_RUNS):
            for module in modules:
                baseline = import_seconds(staging, BASELINE)
                pairs[module].append((import_seconds(staging, f"import {module}"), baseline))
    return {
        module: ImportTime(
            seconds=statistics.median(seconds for seconds, _ in runs),
            baseline_seconds=statistics.median(baseline for _, baseline in runs),
            ratio=statistics.median(seconds / baseline for seconds, baseline in runs),
        )
        for module, runs in pairs.items()
    }


def summary(timings: dict[str, ImportTime]) -> str:
    """One line: the median and worst ratio, and how many handlers are within the target."""
    ratios = sorted(timing.ratio for timing in timings.values())
    worst = max(timings, key=lambda module: timings[module].ratio)
    within = sum(ratio <= MAX_IMPORT_RATIO for ratio in ratios)
    return (
        f"summary: median ratio {statistics.median(ratios):.2f}, worst {ratios[-1]:.2f} ({worst}),"
        f" {within} of {len(ratios)} handlers at most {MAX_IMPORT_RATIO}"
    )


def report_imports(modules: Sequence[str] = ()) -> bool:
    timings = measure_imports(modules)
    base = statistics.median(timing.baseline_seconds for timing in timings.values())
    print(
        f"\nCold import as Lambda runs it (with the bytecode the build ships): each handler's"
        f" ratio to the baseline\n`{BASELINE}` run just before it, median of {IMPORT_RUNS} pairs"
        f" (baseline about {base * 1000:.0f} ms); target at most {MAX_IMPORT_RATIO}"
    )
    ok = True
    for module, timing in sorted(timings.items(), key=lambda item: -item[1].ratio):
        ok = ok and timing.ratio <= MAX_IMPORT_RATIO
        verdict = "ok" if timing.ratio <= MAX_IMPORT_RATIO else "MISSED"
        print(
            f"{module:<46}{timing.seconds * 1000:>6.0f} ms  baseline"
            f" {timing.baseline_seconds * 1000:>4.0f} ms  ratio {timing.ratio:4.2f}  {verdict}"
        )
    if not modules:
        for module, reason in EXCLUDED.items():
            print(f"{module:<46}not measured: {reason}")
    print(summary(timings))
    return ok


# The cross-check in Lambda's Python itself: a few handlers, each round after a warm-up.
RUNTIME_PYTHON_MODULES = ("nodes.get_node_params", "sharing.share_nodes", "admin.set_project_users")
RUNTIME_PYTHON_ROUNDS = 5
_TIMED = """
import os, sys, time
os.environ.update({environment!r})
sys.dont_write_bytecode = True
sys.path[:0] = ["/var/task", "/opt/python", "/var/runtime"]
start = time.perf_counter()
{statement}
print(time.perf_counter() - start)
"""


def measure_in_runtime_python(modules: Sequence[str] = RUNTIME_PYTHON_MODULES) -> dict[str, float]:
    """Each handler's median paired ratio measured in Lambda's Python version itself: Pyodide's
    CPython 3.14 (the build's compiler, `infra/bytecode.py`), reading the shipped bytecode from the
    staged function code and layer at Lambda's paths, with the runtime's packages compiled for it
    at `/var/runtime`; every import in a fresh interpreter, paired with a baseline run just before
    it. A cross-check of the figures this machine's Python gives, not the target's measure: this
    Python runs in WebAssembly, whose costs are not Lambda's (the first interpreters of a run are
    slower still, while Node.js tiers its code up: the warm-up runs are not counted)."""
    from infra.bytecode import compile_for_runtime, run_in_pyodide
    from infra.layer import RUNTIME_VERSION

    def timed(statement: str) -> str:
        return _TIMED.format(environment=ENVIRONMENT, statement=statement)

    warm_up = [timed(BASELINE), timed(f"import {modules[0]}")]
    paired = [
        timed(code)
        for _ in range(RUNTIME_PYTHON_ROUNDS)
        for m in modules
        for code in (BASELINE, f"import {m}")
    ]
    with staged() as staging, tempfile.TemporaryDirectory(prefix="nodeshare-runtime-") as folder:
        runtime = Path(folder)
        for package in staging.runtime.iterdir():
            source = package.resolve()
            if source.is_dir():
                shutil.copytree(source, runtime / package.name, ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(source, runtime / package.name)
        compile_for_runtime(runtime, RUNTIME_VERSION)  # the runtime ships its packages compiled
        mounts = {"/var/task": staging.task, "/opt/python": staging.layer, "/var/runtime": runtime}
        seconds = [float(line) for line in run_in_pyodide(mounts, *warm_up, *paired).split()]
    ratios: dict[str, list[float]] = {module: [] for module in modules}
    measured = iter(seconds[len(warm_up) :])
    for _ in range(RUNTIME_PYTHON_ROUNDS):
        for module in modules:
            baseline, handler = next(measured), next(measured)
            ratios[module].append(handler / baseline)
    return {module: statistics.median(runs) for module, runs in ratios.items()}


def report_in_runtime_python() -> None:
    ratios = measure_in_runtime_python()
    print(
        f"\nCross-check in Lambda's Python version itself (Pyodide's CPython, WebAssembly), reading the"
        f" shipped bytecode:\nmedian of {RUNTIME_PYTHON_ROUNDS} paired ratios to the baseline (not the"
        f" target's measure: WebAssembly's costs are not Lambda's)"
    )
    for module, ratio in ratios.items():
        print(f"{module:<46}ratio {ratio:4.2f}")


def report_importtime(module: str, top: int = 30) -> None:
    """`-X importtime` of one handler (or of the baseline, for `baseline`), staged as above."""
    statement = BASELINE if module == "baseline" else f"import {module}"
    with staged() as staging:
        lines = _run(staging, statement, "-X", "importtime").stderr.splitlines()
    rows = []
    for line in lines:
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _self, cumulative, name = line.removeprefix("import time:").split("|")
        rows.append((int(cumulative), int(_self), name.rstrip()))
    print(f"{'cumulative':>10} {'self':>8}  module ({module}, microseconds)")
    for cumulative, own, name in sorted(rows, reverse=True)[:top]:
        print(f"{cumulative:>10} {own:>8}  {name}")
