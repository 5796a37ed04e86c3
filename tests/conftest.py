"""Fixtures shared by the e2e and compat suites: the local stack, started once per module; and how
`make test` shares the test files between its two workers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from xdist.scheduler import LoadFileScheduling

from tests.support.client import Api
from tests.support.local_stack import LaunchedStack, RunningStack, launch_local_stack, start_local_stack


class NextStack:
    """A local stack with the default environment, started ahead for the next module that wants
    one: it boots (~2 s) while the current module's tests run, instead of before the next one's.
    Each module still gets a stack of its own, which nothing has touched."""

    def __init__(self) -> None:
        self.launched: LaunchedStack | None = None

    def take(self) -> RunningStack:
        launched, self.launched = self.launched or launch_local_stack(), None
        stack = launched.ready()
        self.launched = launch_local_stack()
        return stack

    def discard(self) -> None:
        if self.launched is not None:
            self.launched.discard()


@pytest.fixture(scope="session")
def next_stack() -> Iterator[NextStack]:
    ahead = NextStack()
    yield ahead
    ahead.discard()  # the one started for a module that never came


@pytest.fixture(scope="module")
def local_stack(request: pytest.FixtureRequest, next_stack: NextStack) -> Iterator[RunningStack]:
    """One local stack per test module; a module may set `LOCAL_STACK_ENV = {...}`."""
    env = getattr(request.module, "LOCAL_STACK_ENV", {})
    stack = start_local_stack(**env) if env else next_stack.take()
    yield stack
    assert stack.stop() == 0, "the local stack should shut down cleanly on SIGTERM"
    log = stack.log_path.read_text()
    assert "Traceback" not in log, f"a handler or poller crashed; see {stack.log_path}"


@pytest.fixture(scope="module")
def api(local_stack: RunningStack) -> Api:
    return Api(local_stack.url, local_stack.admin_user_name, local_stack.admin_password)


class LoadFileInfraTogether(LoadFileScheduling):
    """`--dist loadfile` (each file on one worker, so a module's local stack starts once), with every
    tests/infra file on the same worker: they share one synthesis of the app (the session fixture
    `synthesis`, ~13 s), which each worker would otherwise make for itself."""

    def _split_scope(self, nodeid: str) -> str:
        scope = super()._split_scope(nodeid)
        return "tests/infra" if scope.startswith("tests/infra/") else scope


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> LoadFileScheduling | None:
    return LoadFileInfraTogether(config, log) if config.getvalue("dist") == "loadfile" else None
