"""The local stack's state on disk, in `DATA_DIR`: what `make dev` keeps across a restart.

Why this mechanism (README, "The local stack keeps its data"): the embedded emulator is moto, which
keeps everything in memory, and DynamoDB Local, the emulator that writes to disk, is under the
vendor's own licence, not an open-source one. moto already applies one request at a time here
(`emulator.SerializedMotoServer`), so its state can be kept the way a database keeps its own:

- DynamoDB: every request that may write (anything but the reads in `DYNAMODB_READS`) and that
  succeeded is appended to a journal, one line per request, before its answer leaves. DynamoDB's
  writes are deterministic given the state before them (every value, timestamps included, is in
  the request), so replaying the journal over the last snapshot gives the same items, and the same
  stream records with the same sequence numbers. The journal is folded into a new snapshot of the
  tables at each start, at each clean stop, and every `COMPACT_AFTER` entries.
- Cognito and KMS make values of their own (a user's `sub`, tokens, key material), so replaying
  their requests would not give the same state: each request that may change one of them saves
  that service's whole state (small: users and keys) before its answer leaves.
- The pool's signing key is a file of its own (owner-only), so tokens issued before a restart
  stay valid after it, as they would against a deployed pool.

A journal line is written with one `write` to a file opened for appending, and snapshots are
written to a temporary file and renamed over the old one: a `kill -9` loses nothing that was
answered. Data not yet flushed by the operating system is lost if the machine itself stops.

One process at a time: a lock on the folder refuses a second stack on the same `DATA_DIR`.
"""

from __future__ import annotations

import contextlib
import copyreg
import fcntl
import io
import json
import os
import pickle
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from cryptography.hazmat.bindings._rust import openssl as _openssl
from cryptography.hazmat.primitives import serialization

FORMAT = 1
COMPACT_AFTER = 5000  # journal entries; replaying 5,000 writes takes a few seconds at start
DYNAMODB_TARGET = "DynamoDB_20120810."
DYNAMODB_READS = frozenset(
    {
        "BatchGetItem",
        "DescribeContinuousBackups",
        "DescribeEndpoints",
        "DescribeLimits",
        "DescribeTable",
        "DescribeTimeToLive",
        "GetItem",
        "ListTables",
        "ListTagsOfResource",
        "Query",
        "Scan",
        "TransactGetItems",
    }
)
# The services whose state is saved whole, by their target prefix; and their operations that
# change nothing (any other operation saves the state: `GetUserAttributeVerificationCode` and
# `InitiateAuth`, for example, do change it).
SAVED_WHOLE = {
    "AWSCognitoIdentityProviderService.": (
        "cognito-idp",
        frozenset(
            {
                "AdminGetUser",
                "AdminListGroupsForUser",
                "DescribeUserPool",
                "DescribeUserPoolClient",
                "GetGroup",
                "GetUser",
                "ListGroups",
                "ListUserPoolClients",
                "ListUserPools",
                "ListUsers",
                "ListUsersInGroup",
            }
        ),
    ),
    "TrentService.": (
        "kms",
        frozenset({"DescribeKey", "GetPublicKey", "ListAliases", "ListKeys", "Sign", "Verify"}),
    ),
}


class DataDirError(Exception):
    """`DATA_DIR` cannot be used: another stack holds it, or it holds state this version cannot read."""


def _private_key_from_der(der: bytes) -> Any:
    return serialization.load_der_private_key(der, password=None)


def _reduce_private_key(key: Any) -> tuple[Callable[[bytes], Any], tuple[bytes]]:
    der = key.private_bytes(
        serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return _private_key_from_der, (der,)


# moto keeps KMS keys and the pool's signing key as `cryptography` objects, which do not pickle.
copyreg.pickle(_openssl.rsa.RSAPrivateKey, _reduce_private_key)


def _backends(service: str) -> Any:
    if service == "dynamodb":
        from moto.dynamodb.models import dynamodb_backends

        return dynamodb_backends
    if service == "cognito-idp":
        from moto.cognitoidp.models import cognitoidp_backends

        return cognitoidp_backends
    from moto.kms.models import kms_backends

    return kms_backends


def _each_backend(service: str) -> Iterator[tuple[tuple[str, str], Any]]:
    for account_id, regions in _backends(service).items():
        for region, backend in regions.items():
            yield (account_id, region), backend


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(path.name + ".new")
    with open(temporary, "wb") as file:
        file.write(data)
    os.chmod(temporary, 0o600)
    os.replace(temporary, path)


def _moto_version() -> str:
    from moto import __version__

    return str(__version__)


class DataDir:
    """The folder and its lock. Files: `dynamodb.pickle` (tables as of journal entry N),
    `dynamodb.journal`, `cognito-idp.pickle`, `kms.pickle`, `pool-signing-key.json`,
    `streams.json` (how far each stream was delivered), `operator-password` (the seeded operator's
    generated password, so that it stays the same across restarts)."""

    FILES = (
        "dynamodb.pickle",
        "dynamodb.journal",
        "cognito-idp.pickle",
        "kms.pickle",
        "pool-signing-key.json",
        "streams.json",
        "operator-password",
        ".lock",
    )

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        try:
            self.path.mkdir(parents=True, exist_ok=True, mode=0o700)
            self._lock = open(self.path / ".lock", "w")  # noqa: SIM115 (held for the process's life)
        except OSError as error:
            raise DataDirError(f"DATA_DIR {self.path} cannot be used: {error}") from error
        self.existed = (self.path / "dynamodb.pickle").exists()
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as held:
            self._lock.close()
            raise DataDirError(f"another local stack is using DATA_DIR {self.path}") from held

    def file(self, name: str) -> Path:
        return self.path / name

    def remembered(self, name: str, make: Callable[[], str]) -> str:
        """The text kept in file `name` (owner-only), else `make()`'s, kept there for next time."""
        path = self.file(name)
        if path.exists():
            return path.read_text()
        text = make()
        _write_atomically(path, text.encode())
        return text

    def release(self) -> None:
        self._lock.close()

    @classmethod
    def reset(cls, path: Path) -> None:
        """Delete the stack's files (only those) from `path`, and the folder if it is then empty;
        refused (`DataDirError`) while a stack is using it."""
        if not path.exists():
            return
        cls(path).release()  # takes the lock for a moment: refused if a stack holds it
        for name in cls.FILES:
            with contextlib.suppress(FileNotFoundError):
                (path / name).unlink()
        with contextlib.suppress(FileNotFoundError, OSError):
            path.rmdir()


class DurableState:
    """Keeps the embedded emulator's state in a `DataDir` (see the module docstring). Called by
    `emulator.SerializedMotoServer` under its one-request-at-a-time lock: `restore` before it
    serves, `after_request` after each request, `close` once it has stopped."""

    def __init__(self, data_dir: DataDir) -> None:
        self.data_dir = data_dir
        self.journal_path = data_dir.file("dynamodb.journal")
        self.sequence = 0  # the last journal entry written or replayed
        self._journal = -1
        self.replayed = 0

    # --- start ---

    def pool_signing_key(self) -> Any:
        """The pool's signing key (a joserfc RSA key): the one saved, else a new one, saved."""
        from joserfc import jwk

        from nodeshare.local.moto_speedup import new_pool_key

        saved = self.data_dir.remembered(
            "pool-signing-key.json", lambda: json.dumps(new_pool_key().as_dict(private=True))
        )
        return jwk.RSAKey.import_key(json.loads(saved))

    def restore(self, app: Any, region: str) -> None:
        """Load the snapshots into moto's backends, then replay the journal through `app` (the
        emulator's WSGI app, not gated)."""
        covered = self._load_dynamodb()
        for service, _reads in SAVED_WHOLE.values():
            self._load_whole(service)
        for sequence, entry in self._journal_entries():
            if sequence <= covered:
                continue  # folded into the snapshot; the journal's truncation was not reached
            status = _call(app, entry["target"], entry["body"].encode(), entry.get("region", region))
            if not 200 <= status < 300:
                raise DataDirError(
                    f"DATA_DIR {self.data_dir.path}: journal entry {sequence} ({entry['target']}) "
                    f"did not replay (HTTP {status})"
                )
            self.sequence = sequence
            self.replayed += 1
        self.sequence = max(self.sequence, covered)
        self.compact()

    def _load_dynamodb(self) -> int:
        path = self.data_dir.file("dynamodb.pickle")
        if not path.exists():
            return 0
        snapshot = self._read_snapshot(path)
        for (account_id, region), tables in snapshot["state"].items():
            _backends("dynamodb")[account_id][region].tables = tables
        return int(snapshot["journal_sequence"])

    def _load_whole(self, service: str) -> None:
        path = self.data_dir.file(f"{service}.pickle")
        if not path.exists():
            return
        for (account_id, region), state in self._read_snapshot(path)["state"].items():
            _backends(service)[account_id][region].__dict__.update(state)

    def _read_snapshot(self, path: Path) -> dict[str, Any]:
        try:
            snapshot: dict[str, Any] = pickle.loads(path.read_bytes())  # our own file, owner-only
        except Exception as error:
            raise DataDirError(f"{path} cannot be read ({error}); `make dev-reset` starts clean") from error
        if snapshot.get("format") != FORMAT or snapshot.get("moto") != _moto_version():
            raise DataDirError(
                f"{path} was written by another version of the local stack (moto "
                f"{snapshot.get('moto')}, this one {_moto_version()}); `make dev-reset` starts clean"
            )
        return snapshot

    def _journal_entries(self) -> Iterator[tuple[int, dict[str, Any]]]:
        if not self.journal_path.exists():
            return
        with open(self.journal_path, "rb") as journal:
            for line in journal:
                try:
                    entry = json.loads(line)
                except ValueError:
                    return  # a last line cut short: never answered, so never acknowledged
                yield int(entry["sequence"]), entry

    # --- while serving ---

    def after_request(self, target: str, body: bytes, region: str, status: int) -> None:
        """Keep what a successful request changed, before its answer is sent."""
        if not 200 <= status < 300:
            return  # a refused request changed nothing (a failed transaction is undone whole)
        if target.startswith(DYNAMODB_TARGET):
            if target[len(DYNAMODB_TARGET) :] not in DYNAMODB_READS:
                self._append(target, body, region)
            return
        for prefix, (service, reads) in SAVED_WHOLE.items():
            if target.startswith(prefix) and target[len(prefix) :] not in reads:
                self._save_whole(service)

    def _append(self, target: str, body: bytes, region: str) -> None:
        self.sequence += 1
        line = json.dumps(
            {"sequence": self.sequence, "region": region, "target": target, "body": body.decode()}
        )
        if self._journal < 0:
            self._journal = os.open(self.journal_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        os.write(self._journal, line.encode() + b"\n")
        if self.sequence % COMPACT_AFTER == 0:
            self.compact()

    def _save_whole(self, service: str) -> None:
        state = {key: dict(backend.__dict__) for key, backend in _each_backend(service)}
        self._save(f"{service}.pickle", state)

    def _save(self, name: str, state: Any, **extra: Any) -> None:
        snapshot = {"format": FORMAT, "moto": _moto_version(), "state": state, **extra}
        _write_atomically(self.data_dir.file(name), pickle.dumps(snapshot, protocol=pickle.HIGHEST_PROTOCOL))

    def compact(self) -> None:
        """Fold the journal into a snapshot of the tables, then empty it. A stop between the two
        replays nothing twice: the snapshot names the last entry it holds."""
        tables = {key: backend.tables for key, backend in _each_backend("dynamodb")}
        self._save("dynamodb.pickle", tables, journal_sequence=self.sequence)
        for service, _reads in SAVED_WHOLE.values():
            self._save_whole(service)
        if self._journal >= 0:
            os.close(self._journal)
            self._journal = -1
        with contextlib.suppress(FileNotFoundError):
            self.journal_path.unlink()

    def close(self) -> None:
        self.compact()
        self.data_dir.release()


def _call(app: Any, target: str, body: bytes, region: str) -> int:
    """One DynamoDB request (the journal holds no other) straight into the emulator's WSGI app,
    as boto3 would have sent it."""
    from werkzeug.test import EnvironBuilder

    headers = {
        "X-Amz-Target": target,
        "Content-Type": "application/x-amz-json-1.0",
        "Authorization": (
            f"AWS4-HMAC-SHA256 Credential=replay/20260101/{region}/dynamodb/aws4_request, "
            "SignedHeaders=host;x-amz-target, Signature=0"
        ),
    }
    environ = EnvironBuilder(path="/", method="POST", headers=list(headers.items()), data=body).get_environ()
    statuses: list[str] = []

    def start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        statuses.append(status)
        return lambda data: None

    for _chunk in app(environ, start_response):
        pass
    return int(statuses[0].split()[0])


class StreamCheckpoints:
    """How far each stream was delivered (`streams.json`: table name → the sequence number of the
    last record handed to the stream handler or to the on-failure list), so that a restarted
    stack's pollers go on after it rather than from the oldest record kept. (moto's streams have
    one shard per table.) A record delivered just before a `kill -9` may be delivered again, as
    Lambda's event source mapping may: the stream handler is idempotent."""

    def __init__(self, data_dir: DataDir) -> None:
        self.path = data_dir.file("streams.json")
        self._lock = threading.Lock()
        self._positions: dict[str, str] = json.loads(self.path.read_text()) if self.path.exists() else {}

    def position(self, table: str) -> str | None:
        with self._lock:
            return self._positions.get(table)

    def delivered(self, table: str, sequence_number: str) -> None:
        with self._lock:
            self._positions[table] = sequence_number
            _write_atomically(self.path, json.dumps(self._positions).encode())


def read_body(environ: dict[str, Any]) -> bytes:
    """The request's body, leaving an unread copy in its place for the app."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    body = environ["wsgi.input"].read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)
    return body


def signed_region(environ: dict[str, Any], default: str) -> str:
    """The region in a SigV4 Authorization header's credential scope."""
    authorization = environ.get("HTTP_AUTHORIZATION", "")
    _, found, rest = authorization.partition("Credential=")
    parts = rest.split("/")
    return parts[2] if found and len(parts) > 2 else default
