"""Fixtures for the compatibility suite: the real `esp-rainmaker-cli`, installed in its own venv.

The CLI pins its own dependencies (esptool, cryptography, ...), so it lives in a separate virtual
environment under `<repo>/.cache/esp-rainmaker-cli`, never in the project's. The first run creates it
(PyPI must be reachable); later runs reuse it as long as it holds the pinned version.
"""

from __future__ import annotations

import fcntl
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.compat.rainmaker_cli import RainMakerCli

CLI_PACKAGE = "esp-rainmaker-cli"
CLI_VERSION = "1.14.1"
REPO_ROOT = Path(__file__).resolve().parents[2]
CLI_VENV = REPO_ROOT / ".cache" / "esp-rainmaker-cli"
INSTALL_TIMEOUT_SECONDS = 900


def _run(command: list[str]) -> None:
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"installing {CLI_PACKAGE}=={CLI_VERSION} failed: {' '.join(command)}\n"
            f"{result.stdout}\n{result.stderr}"
        )


def _installed_version(venv: Path) -> str | None:
    python = venv / "bin" / "python"
    if not (venv / "bin" / CLI_PACKAGE).exists() or not python.exists():
        return None
    result = subprocess.run(
        [str(python), "-c", f"from importlib.metadata import version; print(version({CLI_PACKAGE!r}))"],
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    return result.stdout.strip() if result.returncode == 0 else None


def ensure_cli_installed(venv: Path = CLI_VENV) -> Path:
    """Create the CLI's venv and install the pinned CLI unless it is already there; return the executable."""
    venv.parent.mkdir(parents=True, exist_ok=True)
    with open(venv.parent / f"{venv.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # two pytest processes must not build the venv at once
        version = _installed_version(venv)
        if version != CLI_VERSION:
            if not (venv / "bin" / "python").exists():
                shutil.rmtree(venv, ignore_errors=True)  # a half-built venv from an interrupted run
                _run([sys.executable, "-m", "venv", str(venv)])
            _run(
                [
                    str(venv / "bin" / "python"),
                    "-m",
                    "pip",
                    "install",
                    "--disable-pip-version-check",
                    "--quiet",
                    f"{CLI_PACKAGE}=={CLI_VERSION}",
                ]
            )
            version = _installed_version(venv)
        assert version == CLI_VERSION, f"{venv} holds {CLI_PACKAGE} {version}, expected {CLI_VERSION}"
    return venv / "bin" / CLI_PACKAGE


@pytest.fixture(scope="session")
def rainmaker_cli_executable() -> Path:
    """The `esp-rainmaker-cli` entry point of the pinned version, installed on first use."""
    return ensure_cli_installed()


@pytest.fixture(scope="module")
def make_cli(
    rainmaker_cli_executable: Path, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], RainMakerCli]:
    """A factory of CLIs, each with its own temporary HOME (its own profiles, tokens and log)."""

    def make(name: str) -> RainMakerCli:
        return RainMakerCli(rainmaker_cli_executable, tmp_path_factory.mktemp(f"cli-home-{name}"))

    return make
