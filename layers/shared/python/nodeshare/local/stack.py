"""`make dev`: start the local stack and serve until Ctrl-C or SIGTERM.

Environment: DATA_DIR (where the stack keeps its state across restarts: `local.durable`; default
`.data` in the checkout; `python -m nodeshare.local --reset` / `make dev-reset` empties it),
PORT (8000), REQUEST_TTL_SECONDS, STREAM_LAG_SECONDS, DEFAULT_NODE_SCOPE (all | none, the scope of
a node registered without any), ADMIN_USER_NAME / ADMIN_PASSWORD (else generated, printed and kept
in DATA_DIR), AWS_ENDPOINT_URL (an external emulator instead of the embedded one),
NODESHARE_FUNCTIONS_DIR (where the handler modules are; default: the repo's).
"""

from __future__ import annotations

import faulthandler
import os
import secrets
import signal
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[5]
DEFAULT_ADMIN = "admin@nodeshare.local"
DEFAULT_DATA_DIR = REPO_ROOT / ".data"


def data_path() -> Path:
    return Path(os.environ.get("DATA_DIR") or DEFAULT_DATA_DIR).resolve()


def _generated_password() -> str:
    # Meets the pool's policy: upper, lower, digit, symbol.
    return f"Ns-{secrets.token_urlsafe(12)}-9aZ!"


@dataclass
class LocalStack:
    url: str
    emulator_endpoint: str
    admin_user_name: str
    admin_password: str
    user_pool_id: str
    user_pool_client_id: str
    # The embedded emulator's credentials ("AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=…"), for tools
    # that talk to it (`make operator`, a boto3 shell); empty with an external emulator.
    emulator_credentials: str = ""
    # Where the state is kept, and whether it held an earlier run's; None with an external emulator.
    data_dir: Path | None = None
    data_kept: bool = False
    stop_event: threading.Event = field(default_factory=threading.Event)
    _closers: list[Any] = field(default_factory=list)
    _pollers: list[threading.Thread] = field(default_factory=list)

    def close(self) -> None:
        """Stop the pollers, then the gateway and the emulator side by side (each waits out its
        server loop's poll interval)."""
        self.stop_event.set()
        for poller in self._pollers:  # before the emulator goes: they may be mid-call
            poller.join()
        closing = [threading.Thread(target=close) for close in self._closers]
        for thread in closing:
            thread.start()
        for thread in closing:
            thread.join()


def _prepare_environment(region: str) -> None:
    """Settings every handler reads, as the CDK stack sets them on each Lambda."""
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    os.environ.setdefault("AWS_DEFAULT_REGION", region)
    os.environ.setdefault("AWS_REGION", region)
    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")
    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", "nodeshare")
    # Business counts (`observability.publish_counts`) would be EMF lines on the console: off
    # unless asked for (POWERTOOLS_METRICS_DISABLED=false).
    os.environ.setdefault("POWERTOOLS_METRICS_DISABLED", "true")
    os.environ["AUTO_CONFIRM_SIGN_UP"] = "true"  # there is no mailbox locally (SPEC §4)


def start(port: int | None = None) -> LocalStack:
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    _prepare_environment(region)
    # Imported after the environment is set: models read table names at import.
    from nodeshare import clock
    from nodeshare.domain.thing_tokens import AUDIENCE
    from nodeshare.domain.users import create_operator
    from nodeshare.http.tokens import JwtAuthorizer
    from nodeshare.local import cognito_triggers
    from nodeshare.local import emulator as local_emulator
    from nodeshare.local.durable import DataDir, StreamCheckpoints
    from nodeshare.local.gateway import Gateway, HandlerPool, handler_path, serve
    from nodeshare.local.streams import StreamPoller
    from nodeshare.routes import STREAM_HANDLER, THING_ISSUER_PATH
    from nodeshare.settings import settings

    # An external emulator keeps (or loses) its own state.
    data_dir = None if os.environ.get("AWS_ENDPOINT_URL") else DataDir(data_path())
    aws = local_emulator.start(region, data_dir)
    os.environ["AWS_ENDPOINT_URL"] = aws.endpoint
    stream_arns = local_emulator.create_tables(aws.client("dynamodb"))
    pool_id, client_id = local_emulator.create_user_pool(aws.client("cognito-idp"))
    os.environ["USER_POOL_ID"], os.environ["USER_POOL_CLIENT_ID"] = pool_id, client_id
    # The emulator serves the pool's keys at its own address, not under the issuer's URL.
    os.environ["USER_POOL_JWKS_URL"] = f"{aws.endpoint}/{pool_id}/.well-known/jwks.json"
    settings.cache_clear()

    functions_dir = Path(os.environ.get("NODESHARE_FUNCTIONS_DIR") or REPO_ROOT / "functions")
    # What the deployed pool does around its calls (triggers, mail) and the emulator does not.
    cognito_side = cognito_triggers.CognitoSide(functions_dir)
    cognito_side.warm()
    cognito_triggers.install(cognito_side)

    admin_user_name = os.environ.get("ADMIN_USER_NAME") or DEFAULT_ADMIN
    # A generated password is kept with the data: the operator's stays the same across restarts.
    admin_password = os.environ.get("ADMIN_PASSWORD") or (
        data_dir.remembered("operator-password", _generated_password) if data_dir else _generated_password()
    )
    create_operator(admin_user_name, admin_password, clock.now())

    os.environ["THING_KEY_ID"] = local_emulator.create_thing_key(aws.client("kms"))
    users = JwtAuthorizer(
        jwks_url=os.environ["USER_POOL_JWKS_URL"],
        issuer=f"https://cognito-idp.{region}.amazonaws.com/{pool_id}",
        audience=client_id,
    )
    gateway = Gateway(functions_dir, users)
    gateway.warm()  # every handler imported before the first request or stream record
    server = serve(gateway, int(os.environ.get("PORT", "8000")) if port is None else port)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    # Thing tokens name the issuer under this gateway's own address, as the deployed stack's name
    # its API's; the thing authorizer finds the keys through the issuer's discovery document.
    os.environ["THING_TOKEN_ISSUER"] = f"{url}{THING_ISSUER_PATH}"
    settings.cache_clear()
    gateway.things = JwtAuthorizer.from_discovery(os.environ["THING_TOKEN_ISSUER"], AUDIENCE)
    stack = LocalStack(
        url=url,
        emulator_endpoint=aws.endpoint,
        emulator_credentials=(
            f"AWS_ACCESS_KEY_ID={aws.credentials.access_key_id} "
            f"AWS_SECRET_ACCESS_KEY={aws.credentials.secret_access_key}"
            if aws.credentials
            else ""
        ),
        admin_user_name=admin_user_name,
        admin_password=admin_password,
        user_pool_id=pool_id,
        user_pool_client_id=client_id,
        data_dir=data_dir.path if data_dir else None,
        data_kept=bool(data_dir and data_dir.existed),
    )
    stream_handler = HandlerPool(handler_path(functions_dir, STREAM_HANDLER))
    stream_handler.warm()
    lag = float(os.environ.get("STREAM_LAG_SECONDS", "0"))
    streams_client = aws.client("dynamodbstreams")
    checkpoints = StreamCheckpoints(data_dir) if data_dir else None
    for arn in stream_arns.values():
        poller = StreamPoller(streams_client, arn, stream_handler, lag, region, stack.stop_event, checkpoints)
        stack._pollers.append(poller.start())

    def close_gateway() -> None:
        server.shutdown()
        server.server_close()

    stack._closers.extend([close_gateway, aws.stop])
    return stack


STOP_SIGNALS = {signal.SIGTERM, signal.SIGINT}


def main() -> None:
    from nodeshare.local.durable import DataDir, DataDirError

    if sys.argv[1:] == ["--reset"]:
        try:
            DataDir.reset(data_path())
        except DataDirError as error:
            print(f"nodeshare local stack: {error}; stop it first", file=sys.stderr, flush=True)
            sys.exit(1)
        print(f"nodeshare local stack: {data_path()} emptied", flush=True)
        return
    # Blocked before any thread starts (threads inherit the mask), then taken by sigwait on the
    # main thread. With handlers instead, the kernel may deliver SIGTERM to a server thread;
    # Python then only notes it, and a main thread asleep in Event.wait() never wakes to act.
    signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    # `kill -USR1 <pid>` prints every thread's stack (the tests do so before killing a hung stack).
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    try:
        stack = start()
    except DataDirError as error:
        print(f"nodeshare local stack: {error}", file=sys.stderr, flush=True)
        sys.exit(1)
    print(f"nodeshare local stack ready at {stack.url}", flush=True)
    print(f"  emulator:  {stack.emulator_endpoint}", flush=True)
    if stack.emulator_credentials:
        print(f"  emulator credentials: {stack.emulator_credentials}", flush=True)
    if stack.data_dir:
        kept = "kept from the last run" if stack.data_kept else "new"
        print(f"  data:      {stack.data_dir} ({kept}; `make dev-reset` empties it)", flush=True)
    print(f"  operator:  {stack.admin_user_name} / {stack.admin_password}", flush=True)
    print(f"  try:       esp-rainmaker-cli profile add local --base-url {stack.url}", flush=True)
    signal.sigwait(STOP_SIGNALS)
    print("nodeshare local stack: shutting down", flush=True)
    stack.close()
    sys.exit(0)
