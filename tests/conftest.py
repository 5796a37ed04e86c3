"""Fixtures shared by the e2e and compat suites: the local stack, started once per module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.client import Api
from tests.support.local_stack import RunningStack, start_local_stack


@pytest.fixture(scope="module")
def local_stack(request: pytest.FixtureRequest) -> Iterator[RunningStack]:
    """One local stack per test module; a module may set `LOCAL_STACK_ENV = {...}`."""
    env = getattr(request.module, "LOCAL_STACK_ENV", {})
    stack = start_local_stack(**env)
    yield stack
    assert stack.stop() == 0, "the local stack should shut down cleanly on SIGTERM"
    log = stack.log_path.read_text()
    assert "Traceback" not in log, f"a handler or poller crashed; see {stack.log_path}"


@pytest.fixture(scope="module")
def api(local_stack: RunningStack) -> Api:
    return Api(local_stack.url, local_stack.admin_user_name, local_stack.admin_password)
