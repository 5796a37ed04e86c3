"""Emulator wall time and memory: one backup per table in moto's TransactWriteItems, and no
record of every instance moto ever made; one fidelity fix, Cognito tokens that follow the
account when its e-mail changes (`tokens_follow_the_account`); and one security fix, a pool
signing key of the process's own rather than moto's published one (`private_pool_key`).

moto backs up a table before a transaction so a failed condition can restore it, but it does so
once per transaction item: accepting a request over 100 nodes deep-copies the nodes table and the
associations table 100 times each (seconds in the local stack; minutes at the bench's 10,000
items). The copies are all taken before any write and only the last one per table is kept
(moto 5.2.5, `DynamoDBBackend.transact_write_items`), so copying each table once and handing out
that copy is the same backup. Nothing a handler sends or receives changes. Applied to the local
stack's embedded emulator, which serves one request at a time (so one transaction at a time).

The backup leaves out the table's stream shard, which is also a correctness fix for the local
stack: moto restores a failed transaction by putting the copy in the table's place, so the
pollers' iterators (which hold the old shard) kept the records of the writes it undid (the
cascade acted on changes that never happened) and saw no later record of that table. Here the
shard stays the one the pollers read, and a failure takes the undone writes' records off it.
`bounded_streams` lets records go once far behind (DynamoDB Streams keeps them 24 hours).
"""

from __future__ import annotations

import copy
from types import SimpleNamespace
from typing import Any


def one_backup_per_table() -> None:
    """moto backs up every table a transaction touches, whole (a deep copy, before anything is
    written), and puts the copies back when the transaction fails. That costs a copy of the table
    per transaction: a params write, which records itself in the ever-growing archive, slowed from
    80 ms to 290 ms over 2,000 writes (bench `load`). Here the backup is of the items the
    transaction names, each copied before it is written, and a failure puts exactly those back (and
    takes their stream records off the live shard): the same end state for a fraction of the work.
    moto's own whole-table restore is handed the live table, so it changes nothing."""
    import moto.dynamodb.models as models
    from moto.dynamodb.models.dynamo_type import DynamoType

    original = models.DynamoDBBackend.transact_write_items
    if getattr(original, "one_backup_per_table", False):
        return
    deepcopy = copy.deepcopy
    live: dict[int, Any] = {}  # id(table) -> the table itself, during one call (one at a time)

    def backup_once(obj: Any, memo: Any = None) -> Any:
        return live.get(id(obj)) or deepcopy(obj, memo)

    def named_item(table: Any, kind: str, operation: dict[str, Any]) -> tuple[Any, Any]:
        key = operation["Item"] if kind == "Put" else operation["Key"]
        hash_value = DynamoType(key[table.hash_key_attr])
        range_value = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        return hash_value, range_value

    def put_back(table: Any, hash_value: Any, range_value: Any, before: Any) -> None:
        if range_value is None:
            if before is None:
                table.items.pop(hash_value, None)
            else:
                table.items[hash_value] = before
        elif before is None:
            if hash_value in table.items:
                table.items[hash_value].pop(range_value, None)
        else:
            table.items[hash_value][range_value] = before

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        live.clear()
        shards: dict[str, tuple[Any, int]] = {}  # table name -> its live shard, its next sequence number
        saved: list[tuple[Any, Any, Any, Any]] = []  # (table, hash, range, the item before or None)
        for item in transact_items:
            kind, operation = next(iter(item.items()), (None, None))
            if not isinstance(operation, dict):
                continue  # malformed: moto refuses it before writing anything
            table = self.tables.get(operation.get("TableName"))
            if table is None:
                continue
            live[id(table)] = table
            if table.stream_shard is not None and table.name not in shards:
                shard = table.stream_shard
                shards[table.name] = (shard, shard.starting_sequence_number + len(shard.items))
            try:
                hash_value, range_value = named_item(table, str(kind), operation)
            except (KeyError, TypeError):
                continue  # malformed: moto refuses it before writing anything
            before = (
                table.get_item(hash_value, range_value)
                if table.range_key_attr is None or range_value
                else None
            )
            saved.append((table, hash_value, range_value, deepcopy(before)))
        try:
            return original(self, transact_items)
        except Exception:
            for table, hash_value, range_value, before in reversed(saved):
                put_back(table, hash_value, range_value, before)
            # take the undone writes' records off the live shards
            for shard, next_sequence in shards.values():
                del shard.items[max(0, next_sequence - shard.starting_sequence_number) :]
            raise
        finally:
            live.clear()

    transact_write_items.one_backup_per_table = True  # type: ignore[attr-defined]
    # The module's own `copy.deepcopy` (it also copies single items elsewhere: those pass through).
    models.copy = SimpleNamespace(deepcopy=backup_once)  # type: ignore[assignment]
    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def untrack_instances() -> None:
    """Emulator memory only: moto's `BaseModel.__new__` appends every instance it makes (each item,
    table and stream record, the copies of whole tables TransactWriteItems takes as backups
    included) to a class-level list kept for its dashboard, so nothing written is ever freed: the
    local stack grew to gigabytes over a few hundred params writes, and the garbage collector's
    full passes to tens of seconds. Instances are made as before, only not listed (the dashboard,
    `/moto-api/`, is not used here). Nothing a handler sends or receives changes."""
    from moto.core.common_models import BaseModel

    if getattr(BaseModel.__new__, "untracked", False):
        return

    def untracked(cls: type, *args: Any, **kwargs: Any) -> Any:
        return object.__new__(cls)

    untracked.untracked = True  # type: ignore[attr-defined]
    BaseModel.__new__ = staticmethod(untracked)  # type: ignore[method-assign]


# Records a stream shard keeps (the local stand-in for DynamoDB Streams' 24-hour retention): the
# pollers read every 0.1 s, so a record is long read before a thousand more are written.
RETAINED_STREAM_RECORDS = 1000


def bounded_streams() -> None:
    """Emulator memory only: a shard keeps its last `RETAINED_STREAM_RECORDS` records (moto keeps
    every record, with both item images, forever), and a shard iterator is forgotten once used
    (moto keeps every one; the pollers use each once and go on with the next). An iterator behind
    the oldest record kept reads from it on, as DynamoDB's TRIM_HORIZON would."""
    from moto.dynamodb.models.table import StreamShard
    from moto.dynamodbstreams.models import DynamoDBStreamsBackend

    if getattr(StreamShard.add, "bounded", False):
        return
    original_add, original_get = StreamShard.add, StreamShard.get

    def add(self: Any, old: Any, new: Any) -> None:
        original_add(self, old, new)
        excess = len(self.items) - RETAINED_STREAM_RECORDS
        if excess > 0:
            del self.items[:excess]
            self.starting_sequence_number += excess

    def get(self: Any, start: int, quantity: int) -> list[dict[str, Any]]:
        return original_get(self, max(start, self.starting_sequence_number), quantity)  # type: ignore[no-any-return]

    def get_records(self: Any, iterator_arn: str, limit: int) -> dict[str, Any]:
        return self.shard_iterators.pop(iterator_arn).get(limit)  # type: ignore[no-any-return]

    add.bounded = True  # type: ignore[attr-defined]
    StreamShard.add = add  # type: ignore[method-assign]
    StreamShard.get = get  # type: ignore[method-assign]
    DynamoDBStreamsBackend.get_records = get_records  # type: ignore[method-assign]


def tokens_follow_the_account() -> None:
    """A fidelity fix, not a speed-up: Cognito ties tokens to the account, moto to the name it was
    signed in with. After a user changed her e-mail (the name she signed in with), moto could no
    longer find her account from her refresh token (`POST /v1/login2 {refreshtoken}` crashed it:
    a 500) nor sign her out. Tokens here record the account's own user name (its `sub` in an
    e-mail-as-user-name pool), and a sign-out by any of its names finds them. Deleting an account
    revokes its tokens too (moto kept them, and a refresh crashed on the missing account)."""
    from moto.cognitoidp.models import CognitoIdpBackend, CognitoIdpUserPool

    if getattr(CognitoIdpUserPool.create_refresh_token, "follows_the_account", False):
        return
    original_refresh = CognitoIdpUserPool.create_refresh_token
    original_access = CognitoIdpUserPool.create_access_token
    original_sign_out = CognitoIdpUserPool.sign_out
    original_delete = CognitoIdpBackend.admin_delete_user

    def account_name(pool: Any, username: str) -> str:
        user = pool._get_user(username)
        return user.username if user is not None else username  # type: ignore[no-any-return]

    def create_refresh_token(self: Any, client_id: str, username: str) -> tuple[str, str]:
        return original_refresh(self, client_id, account_name(self, username))  # type: ignore[no-any-return]

    def create_access_token(self: Any, client_id: str, username: str, origin_jti: str) -> tuple[str, int]:
        return original_access(self, client_id, account_name(self, username), origin_jti)  # type: ignore[no-any-return]

    def sign_out(self: Any, username: str) -> None:
        original_sign_out(self, account_name(self, username))

    def admin_delete_user(self: Any, user_pool_id: str, username: str) -> None:
        user = self.admin_get_user(user_pool_id, username)
        self.describe_user_pool(user_pool_id).sign_out(user.username)
        original_delete(self, user_pool_id, username)

    create_refresh_token.follows_the_account = True  # type: ignore[attr-defined]
    CognitoIdpUserPool.create_refresh_token = create_refresh_token  # type: ignore[method-assign]
    CognitoIdpUserPool.create_access_token = create_access_token  # type: ignore[method-assign]
    CognitoIdpUserPool.sign_out = sign_out  # type: ignore[method-assign]
    CognitoIdpBackend.admin_delete_user = admin_delete_user  # type: ignore[method-assign]


def new_pool_key() -> Any:
    """A new pool signing key (joserfc RSA), under the `kid` moto's tokens name."""
    from joserfc import jwk

    return jwk.RSAKey.generate_key(2048, {"kid": "dummy", "alg": "RS256", "use": "sig"}, private=True)


def private_pool_key(key: Any = None) -> None:
    """Sign the emulated pool's tokens with a key of the stack's own, not the one moto ships.

    moto signs every Cognito token with a private key published in its own package
    (`cognitoidp/resources/jwks-private.json`): anyone could forge a token the local stack's JWT
    authorizer accepts, operators' included. Here the pool signs with `key` (a joserfc RSA key: the
    one kept in `DATA_DIR`, `durable.DurableState.pool_signing_key`; else one drawn for this
    process) and serves its public half at the pool's JWKS address (same `kid` as moto's tokens
    name). Idempotent."""
    import json

    import moto.cognitoidp.models as models
    import moto.cognitoidp.responses as responses

    if getattr(models.CognitoIdpUserPool, "nodeshare_private_key", None) is not None:
        return
    if key is None:
        key = new_pool_key()
    original_init = models.CognitoIdpUserPool.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        original_init(self, *args, **kwargs)
        self.json_web_key = key

    models.CognitoIdpUserPool.__init__ = init  # type: ignore[method-assign]
    models.CognitoIdpUserPool.nodeshare_private_key = key  # type: ignore[attr-defined]
    responses.CognitoIdpJsonWebKeyResponse.json_web_key = json.dumps(
        {"keys": [key.as_dict(private=False)]}
    ).encode("utf-8")


def emails_wait_for_verification() -> None:
    """A fidelity fix: the deployed pool keeps a user's original e-mail until she verifies a new
    one (infra/identity.py, `keep_original`); moto replaced it at once, still marked verified.

    Here a user's own `UpdateUserAttributes` of `email` holds the new address aside and "mails" a
    code to it (printed on the stack's output, `nodeshare local mail: to <new>: verification code
    <code>`); her `GetUserAttributeVerificationCode` mails a new code for what she holds aside;
    her `VerifyUserAttribute` with that code makes the new address her `email`, verified. Until
    then she signs in with, and her tokens carry, the original. Idempotent."""
    import secrets

    from moto.cognitoidp.exceptions import CodeMismatchException, InvalidParameterException
    from moto.cognitoidp.models import CognitoIdpBackend, RegionAgnosticBackend
    from moto.cognitoidp.responses import CognitoIdpResponse
    from moto.core.common_types import TYPE_RESPONSE

    from nodeshare.local.cognito_triggers import MAIL_PREFIX

    if getattr(CognitoIdpBackend.update_user_attributes, "keeps_the_original", False):
        return
    original_update = CognitoIdpBackend.update_user_attributes

    def pool_of(backend: Any, access_token: str) -> Any:
        return next(pool for pool in backend.user_pools.values() if access_token in pool.access_tokens)

    def mail_code(user: Any) -> None:
        user.nodeshare_email_code = f"{secrets.randbelow(1_000_000):06d}"
        to, code = user.nodeshare_pending_email, user.nodeshare_email_code
        print(f"{MAIL_PREFIX} to {to}: verification code {code}", flush=True)

    def update_user_attributes(self: Any, access_token: str, attributes: list[dict[str, str]]) -> None:
        email = next((item["Value"] for item in attributes if item["Name"] == "email"), None)
        others = [item for item in attributes if item["Name"] not in ("email", "email_verified")]
        user = self.get_user(access_token)
        if email is not None and email != user.attribute_lookup.get("email"):
            self._verify_email_is_not_used(pool_of(self, access_token).id, email)
            user.nodeshare_pending_email = email
            mail_code(user)
        if others:
            original_update(self, access_token, others)

    def get_user_attribute_verification_code(self: Any, access_token: str, attribute_name: str) -> None:
        user = self.get_user(access_token)
        if attribute_name != "email" or not getattr(user, "nodeshare_pending_email", None):
            raise InvalidParameterException("No change of that attribute to verify")
        mail_code(user)

    def verify_user_attribute(self: Any, access_token: str, attribute_name: str, code: str) -> None:
        user = self.get_user(access_token)
        pending = getattr(user, "nodeshare_pending_email", None)
        expected = getattr(user, "nodeshare_email_code", None)
        right = bool(pending and expected and secrets.compare_digest(expected, code))
        if attribute_name != "email" or not right:
            raise CodeMismatchException("Invalid verification code provided, please try again.")
        self._verify_email_is_not_used(pool_of(self, access_token).id, pending)
        verified = {"Name": "email_verified", "Value": "true"}
        user.update_attributes([{"Name": "email", "Value": pending}, verified])
        user.nodeshare_pending_email = user.nodeshare_email_code = None

    def agnostic(name: str) -> Any:
        def call(self: Any, access_token: str, *args: Any) -> Any:
            return getattr(self._find_backend_by_access_token(access_token), name)(access_token, *args)

        return call

    def respond_code(self: Any) -> TYPE_RESPONSE:
        self._get_region_agnostic_backend().get_user_attribute_verification_code(
            self._get_param("AccessToken"), self._get_param("AttributeName")
        )
        return 200, {}, "{}"

    def respond_verify(self: Any) -> TYPE_RESPONSE:
        self._get_region_agnostic_backend().verify_user_attribute(
            self._get_param("AccessToken"), self._get_param("AttributeName"), self._get_param("Code")
        )
        return 200, {}, "{}"

    update_user_attributes.keeps_the_original = True  # type: ignore[attr-defined]
    CognitoIdpBackend.update_user_attributes = update_user_attributes  # type: ignore[method-assign]
    for name, backend_method, response in (
        ("get_user_attribute_verification_code", get_user_attribute_verification_code, respond_code),
        ("verify_user_attribute", verify_user_attribute, respond_verify),
    ):
        setattr(CognitoIdpBackend, name, backend_method)
        setattr(RegionAgnosticBackend, name, agnostic(name))
        setattr(CognitoIdpResponse, name, response)
