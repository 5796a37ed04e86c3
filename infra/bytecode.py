"""Bytecode for Lambda's Python, compiled by that Python and shipped in the assets (README, "Cold
start").

Lambda's function code and layers are read-only, and Python reads a module's bytecode only from a
`.pyc` written by its own minor version: with none shipped, every module of ours and of the layer's
packages is compiled from source at every cold start, which was most of a handler's import time.

The build machine's Python is whatever the developer has, so the compiler is Pyodide: CPython
compiled to WebAssembly, of the runtime's version (`infra/compiler/package.json`, pinned), run by
the Node.js the CDK needs anyway (`infra/compiler/python.mjs`). Bytecode depends on the Python
version, not on the platform (the `marshal` format), so what Pyodide's 3.14 writes is what Lambda's
3.14 reads. `compile_for_runtime` refuses a compiler of another version: a runtime upgrade without a
Pyodide upgrade stops the build instead of shipping bytecode Lambda would ignore.

The `.pyc`s are unchecked-hash ones: an asset's file times are not its sources' (the CDK CLI zips
every file with one fixed time), so a timestamp `.pyc` would look stale and be ignored, and a
checked-hash one would read and hash each source at import; an unchecked-hash one is used as it is,
which is right for code that never changes under a deployed function.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Collection
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import ILocalBundling

from infra import ROOT
from infra.build_cache import cached_folder

COMPILER = ROOT / "infra" / "compiler"
PYODIDE_VERSION = json.loads((COMPILER / "package.json").read_text())["dependencies"]["pyodide"]

# Run by the compiling Python with the tree to compile at `FOLDER`; prints the compiler's version
# and cache tag. Every module must compile: a syntax error stops the build.
_COMPILE = """
import compileall, json, py_compile, sys
if not compileall.compile_dir(FOLDER, quiet=1, workers=1,
                              invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH):
    raise SystemExit(f"a module under {FOLDER} does not compile")
print(json.dumps({"version": list(sys.version_info[:2]), "cache_tag": sys.implementation.cache_tag}))
"""


class BytecodeError(RuntimeError):
    pass


def run_in_pyodide(mounts: dict[str, Path], *codes: str) -> str:
    """What the `codes` print, each run in a fresh interpreter of Pyodide's CPython, in order, with
    each host folder of `mounts` mounted at its key (`infra/compiler/python.mjs`)."""
    where = json.dumps({inside: str(folder) for inside, folder in mounts.items()})
    result = subprocess.run(
        ["node", str(COMPILER / "python.mjs"), where, *codes],
        capture_output=True,
        text=True,
    )
    if result.returncode != 0:
        raise BytecodeError(
            f"Pyodide {PYODIDE_VERSION} failed (is it installed? `make install` runs `npm ci` in"
            f" {COMPILER}):\n{result.stderr[-3000:]}"
        )
    return result.stdout


def compile_for_runtime(folder: Path, runtime_version: tuple[int, int]) -> None:
    """Write a `.pyc` beside every module under `folder` (in its `__pycache__`), compiled by
    Pyodide's CPython, which must be `runtime_version`."""
    printed = run_in_pyodide({"/src": folder}, f"FOLDER = '/src'\n{_COMPILE}")
    compiled = json.loads(printed.strip().splitlines()[-1])
    if tuple(compiled["version"]) != runtime_version:
        raise BytecodeError(
            f"Pyodide {PYODIDE_VERSION} is Python {compiled['version']}, the runtime is"
            f" {list(runtime_version)}: pin the Pyodide release of the runtime's Python in {COMPILER}"
        )


def compile_here(folder: Path) -> None:
    """The same compilation by this interpreter, for `python -m bench imports`, which measures
    with this machine's Python the bytecode the build ships for Lambda's."""
    subprocess.run(
        [sys.executable, "-I", "-c", f"FOLDER = {str(folder)!r}\n{_COMPILE}"], check=True, capture_output=True
    )


def _sources(source: Path, leave_out: Collection[str]) -> list[Path]:
    """The files under `source` that are shipped: not bytecode, nor in a folder named in
    `leave_out` (relative to `source`), sorted."""
    files = []
    for folder, dirs, names in os.walk(source):
        here = Path(folder)
        dirs[:] = [
            d for d in dirs if d != "__pycache__" and str((here / d).relative_to(source)) not in leave_out
        ]
        files += [here / name for name in names if not name.endswith(".pyc")]
    return sorted(files)


def compiled_copy(source: Path, runtime_version: tuple[int, int], leave_out: Collection[str] = ()) -> Path:
    """A copy of `source` without `leave_out`, with bytecode for `runtime_version` beside each
    module; kept in `.cache/bytecode/` by a hash of the files, so a synth with nothing changed
    does not start Pyodide."""
    files = _sources(source, leave_out)
    digest = hashlib.sha256(f"pyodide {PYODIDE_VERSION} {runtime_version} {_COMPILE}".encode())
    for file in files:
        digest.update(f"\0{file.relative_to(source)}\0".encode() + file.read_bytes())

    def build(folder: Path) -> None:
        for file in files:
            copy = folder / file.relative_to(source)
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(file, copy)
        compile_for_runtime(folder, runtime_version)

    return cached_folder("bytecode", digest.hexdigest()[:16], build)


@jsii.implements(ILocalBundling)
class CompiledCopyBundling:
    """The function code's asset: `source` with bytecode for Lambda's Python (no Docker)."""

    def __init__(self, source: Path, runtime_version: tuple[int, int]) -> None:
        self.source = source
        self.runtime_version = runtime_version

    def try_bundle(self, output_dir: str, *args: Any, **kwargs: Any) -> bool:
        shutil.copytree(compiled_copy(self.source, self.runtime_version), output_dir, dirs_exist_ok=True)
        return True
