"""The local stack as a client sees it: `python -m nodeshare.local` in a subprocess."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import boto3

REPO_ROOT = Path(__file__).resolve().parents[2]
ADMIN_USER_NAME = "operator@nodeshare.test"
ADMIN_PASSWORD = "Operat0r-Pass!"
LOG_DIR = REPO_ROOT / ".cache" / "local-stack"
READY_PREFIX = "nodeshare local stack ready at "
EMULATOR_PREFIX = "  emulator:  "
CREDENTIALS_PREFIX = "  emulator credentials: "
OPERATOR_PREFIX = "  operator:  "
# What the tests sign with for an external emulator (moto checks no signature).
EXTERNAL_CREDENTIALS = {"AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningStack:
    url: str
    emulator_endpoint: str
    process: subprocess.Popen[str]
    log_path: Path
    # The emulator's credentials as the stack printed them (an embedded emulator refuses others).
    credentials: dict[str, str] = field(default_factory=lambda: dict(EXTERNAL_CREDENTIALS))
    admin_user_name: str = ADMIN_USER_NAME
    admin_password: str = ADMIN_PASSWORD
    # A throwaway DATA_DIR made for this stack, removed when it stops (None: the caller named one).
    throwaway_data: Path | None = None

    def aws(self, service: str) -> Any:
        """A boto3 client on the stack's emulator, to look at what the API wrote."""
        return boto3.client(
            service,
            endpoint_url=self.emulator_endpoint,
            region_name="us-east-1",
            aws_access_key_id=self.credentials["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=self.credentials["AWS_SECRET_ACCESS_KEY"],
        )

    def partition(self, table: str, key: str, value: str) -> list[dict[str, Any]]:
        """Every item of one partition of a table (consistent), to look at what the API wrote."""
        return self.aws("dynamodb").query(
            TableName=table,
            KeyConditionExpression="#k = :v",
            ExpressionAttributeNames={"#k": key},
            ExpressionAttributeValues={":v": {"S": value}},
            ConsistentRead=True,
        )["Items"]

    def stop(self, sig: int = signal.SIGTERM) -> int:
        """Stop as an operator would (SIGTERM, or Ctrl-C's SIGINT); the exit status."""
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=60)  # clean exit, not fast: a loaded machine is slow
        except subprocess.TimeoutExpired as hung:
            self.process.send_signal(signal.SIGUSR1)  # every thread's stack into the log, then kill
            time.sleep(2)
            message = f"the local stack did not stop in 60 s; its threads' stacks: {self.log_path}"
            raise AssertionError(message) from hung
        finally:
            if self.process.poll() is None:
                self.process.kill()
            if self.throwaway_data is not None:
                shutil.rmtree(self.throwaway_data, ignore_errors=True)

    def kill(self) -> None:
        """`kill -9`: no chance to save anything on the way out."""
        self.process.kill()
        self.process.wait(timeout=60)


def start_local_stack(**env_overrides: str) -> RunningStack:
    """A local stack on a free port; its state in a throwaway DATA_DIR unless one is given."""
    return launch_local_stack(**env_overrides).ready()


@dataclass
class LaunchedStack:
    """A local stack's process, started but not yet known to be ready (`ready` waits for it)."""

    process: subprocess.Popen[str]
    throwaway_data: Path | None

    def ready(self) -> RunningStack:
        """Wait for the stack's banner; the running stack it names."""
        process, throwaway_data = self.process, self.throwaway_data
        url = emulator = None
        credentials = dict(EXTERNAL_CREDENTIALS)
        deadline = time.monotonic() + 60
        assert process.stdout is not None
        lines = []
        banner_done = False  # the banner ends with the operator's line (after the emulator's)
        while time.monotonic() < deadline and not banner_done:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith(READY_PREFIX):
                url = line[len(READY_PREFIX) :].strip()
            elif line.startswith(EMULATOR_PREFIX):
                emulator = line[len(EMULATOR_PREFIX) :].strip()
            elif line.startswith(OPERATOR_PREFIX):
                banner_done = True
            elif line.startswith(CREDENTIALS_PREFIX):
                credentials = dict(pair.split("=", 1) for pair in line[len(CREDENTIALS_PREFIX) :].split())
        if url is None or emulator is None:
            self.discard()
            raise RuntimeError("local stack did not start:\n" + "".join(lines))
        # Keep draining output (so the process never blocks on a full pipe) into a log to read when
        # a test fails: the handlers' errors are there. The log is this process's own (ports are
        # reused, and a stopped stack's thread may still be writing its last lines) and holds the
        # banner before this returns, so a test reading it never sees another stack's.
        log_path = LOG_DIR / f"{urlsplit(url).port}-{process.pid}.log"
        log_path.parent.mkdir(parents=True, exist_ok=True)
        log = log_path.open("w")
        log.writelines(lines)
        log.flush()
        threading.Thread(target=_drain, args=(process, log), daemon=True).start()
        return RunningStack(
            url=url,
            emulator_endpoint=emulator,
            process=process,
            log_path=log_path,
            credentials=credentials,
            throwaway_data=throwaway_data,
        )

    def discard(self) -> None:
        """Kill a stack nobody used (or that never started), and remove its throwaway DATA_DIR."""
        self.process.kill()
        self.process.wait(timeout=60)
        if self.throwaway_data is not None:
            shutil.rmtree(self.throwaway_data, ignore_errors=True)


def launch_local_stack(**env_overrides: str) -> LaunchedStack:
    """Start a local stack's process, without waiting for it (`ready` does). It takes a free port
    itself (PORT=0) and names it in its banner: a port picked here could be taken by one of the
    tests' own connections while the stack boots, as a stack started ahead boots during tests."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    throwaway_data = None
    if "DATA_DIR" not in env_overrides:
        throwaway_data = Path(tempfile.mkdtemp(prefix="nodeshare-stack-"))
        env["DATA_DIR"] = str(throwaway_data)
    env.update(PORT="0", ADMIN_USER_NAME=ADMIN_USER_NAME, ADMIN_PASSWORD=ADMIN_PASSWORD, PYTHONUNBUFFERED="1")
    env.update(env_overrides)  # ADMIN_PASSWORD="" included: the stack generates one
    process = subprocess.Popen(
        [sys.executable, "-m", "nodeshare.local"],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return LaunchedStack(process, throwaway_data)


def _drain(process: subprocess.Popen[str], log: TextIO) -> None:
    with log:
        assert process.stdout is not None
        for line in process.stdout:
            log.write(line)
            log.flush()


def wait_for(predicate: Callable[[], bool], timeout: float) -> bool:
    """Poll `predicate` until it holds or `timeout` passes (for what the stream does later)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return predicate()
