"""The build's bytecode compilation (infra/bytecode.py): what it refuses, and what it keeps."""

from __future__ import annotations

from pathlib import Path

import pytest

from infra import build_cache, bytecode
from infra.bytecode import BytecodeError, compile_for_runtime, compiled_copy
from infra.layer import RUNTIME_VERSION


def _tree(folder: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return folder


def test_a_compiler_of_another_python_than_the_runtimes_stops_the_build(tmp_path: Path) -> None:
    """Bytecode is read only by the Python version that wrote it: Pyodide's Python must be the
    runtime's, or the build stops and says what to pin."""
    tree = _tree(tmp_path, {"module.py": "X = 1\n"})

    with pytest.raises(BytecodeError, match="pin the Pyodide release"):
        compile_for_runtime(tree, (RUNTIME_VERSION[0], RUNTIME_VERSION[1] - 1))


def test_a_module_that_does_not_compile_stops_the_build(tmp_path: Path) -> None:
    """Shipping a module without its bytecode would compile it at every cold start, and a syntax
    error would fail the function at run time: the build stops instead."""
    tree = _tree(tmp_path, {"good.py": "X = 1\n", "package/bad.py": "def (:\n"})

    with pytest.raises(BytecodeError, match="does not compile"):
        compile_for_runtime(tree, RUNTIME_VERSION)


def test_a_compiled_copy_is_kept_by_its_files_and_leaves_out_what_is_not_shipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same files give the same cached copy without compiling again; a changed file gives a
    new one; a left-out folder and existing bytecode are not copied (the compiler is replaced by a
    recorder here: what it writes is checked on the synthesized assets, tests/infra/test_layer.py)."""
    monkeypatch.setattr(build_cache, "CACHE", tmp_path / "cache")
    compiled: list[Path] = []
    monkeypatch.setattr(bytecode, "compile_for_runtime", lambda folder, version: compiled.append(folder))
    source = _tree(
        tmp_path / "source",
        {"a.py": "A = 1\n", "local/b.py": "B = 2\n", "__pycache__/a.cpython-311.pyc": "stale"},
    )

    first = compiled_copy(source, RUNTIME_VERSION, {"local"})
    again = compiled_copy(source, RUNTIME_VERSION, {"local"})
    (source / "a.py").write_text("A = 3\n")
    changed = compiled_copy(source, RUNTIME_VERSION, {"local"})

    assert first == again != changed
    assert len(compiled) == 2
    assert sorted(path.name for path in first.rglob("*")) == ["a.py"]
    assert (changed / "a.py").read_text() == "A = 3\n"
