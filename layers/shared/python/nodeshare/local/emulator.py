"""The AWS side of the local stack: an embedded moto server, or an external emulator named by
`AWS_ENDPOINT_URL`; the tables and the user pool, made from the definitions the CDK stack uses."""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from dataclasses import dataclass
from typing import Any

import boto3

from nodeshare.local import moto_speedup
from nodeshare.local.durable import DataDir, DurableState, read_body, signed_region
from nodeshare.store.models import TABLES, TableDefinition
from nodeshare.user_pool import OPERATOR_GROUP, PASSWORD_POLICY, USER_ID_ATTRIBUTE

POOL_NAME = "nodeshare-local"
CLIENT_NAME = "nodeshare-local-app"
COGNITO_TARGET = "AWSCognitoIdentityProviderService."


@dataclass(frozen=True)
class Credentials:
    """The embedded emulator's credentials, drawn when it starts: a request must be signed with
    this access key (the stack's handlers, pollers and tools are; see `gate`)."""

    access_key_id: str
    secret_access_key: str

    @classmethod
    def drawn(cls) -> Credentials:
        return cls("LOCAL" + secrets.token_hex(8).upper(), secrets.token_urlsafe(30))


def public_cognito_operations() -> frozenset[str]:
    """The Cognito operations AWS itself takes unsigned (sign-up, sign-in, a user's own calls with
    its access token), from botocore's model of the service."""
    import botocore.session

    model = botocore.session.get_session().get_service_model("cognito-idp")
    return frozenset(
        name for name in model.operation_names if model.operation_model(name).auth_type == "none"
    )


def gate(app: Any, credentials: Credentials) -> Any:
    """A WSGI app in front of the emulator that refuses, as AWS would, any request not signed with
    the stack's access key: but for what AWS answers unsigned too (the public Cognito operations,
    the pool's published keys). Without it any process on the machine could make itself an
    operator or read every table through the emulator's open port."""
    public = public_cognito_operations()
    signed_by = f"Credential={credentials.access_key_id}/"
    refusal = json.dumps(
        {
            "__type": "UnrecognizedClientException",
            "message": "The security token included in the request is invalid.",
        }
    ).encode()

    def gated(environ: dict[str, Any], start_response: Any) -> Any:
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        anonymous_ok = "/.well-known/" in environ.get("PATH_INFO", "") or (
            not authorization
            and target.startswith(COGNITO_TARGET)
            and target[len(COGNITO_TARGET) :] in public
        )
        if signed_by in authorization or anonymous_ok:
            return app(environ, start_response)
        start_response("403 Forbidden", [("Content-Type", "application/x-amz-json-1.1")])
        return [refusal]

    return gated


@dataclass
class Emulator:
    endpoint: str
    region: str
    server: Any = None  # the embedded ThreadedMotoServer, if we started one
    credentials: Credentials | None = None  # the embedded one's (an external one has its own)

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint, region_name=self.region)

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()


class SerializedMotoServer:
    """The embedded moto server, applying one request at a time.

    Why: moto is not atomic under concurrent requests. Its TransactWriteItems backs up whole
    tables and, when a condition fails, restores them, undoing any write another request made
    meanwhile. DynamoDB applies each request atomically; serializing the emulator's requests gives
    the local stack that guarantee, so racing requests (SPEC §2.5) behave as they would on AWS.
    Handlers and the gateway still run concurrently.
    """

    def __init__(self, credentials: Credentials, region: str, durable: DurableState | None = None) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        moto_speedup.one_backup_per_table()
        moto_speedup.untrack_instances()
        moto_speedup.bounded_streams()
        moto_speedup.tokens_follow_the_account()
        moto_speedup.private_pool_key(durable.pool_signing_key() if durable else None)
        moto_speedup.emails_wait_for_verification()
        moto_app = DomainDispatcherApplication(create_backend_app)
        if durable is not None:
            durable.restore(moto_app, region)
        app = gate(moto_app, credentials)
        lock = self.lock = threading.Lock()
        self.durable = durable

        def one_at_a_time(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            with lock:
                if durable is None:
                    return list(app(environ, start_response))
                body = read_body(environ)
                statuses: list[str] = []

                def noted(status: str, headers: Any, exc_info: Any = None) -> Any:
                    statuses.append(status)
                    return start_response(status, headers, exc_info)

                answer = list(app(environ, noted))
                target = environ.get("HTTP_X_AMZ_TARGET", "")
                if target and statuses:
                    status = int(statuses[0].split()[0])
                    durable.after_request(target, body, signed_region(environ, region), status)
                return answer

        self.server = make_server(
            "127.0.0.1", 0, one_at_a_time, threaded=True, request_handler=MotoRequestHandler
        )
        self.thread = threading.Thread(target=self.server.serve_forever, name="moto", daemon=True)
        self.thread.start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.thread.join()
        if self.durable is not None:
            with self.lock:  # a request the server took before its shutdown may still be running
                self.durable.close()


def start(region: str, data_dir: DataDir | None = None) -> Emulator:
    """The external emulator `AWS_ENDPOINT_URL` names, or an embedded one, whose credentials are
    then set in this process's environment (every client made here signs with them), and whose
    state is kept in `data_dir` when given (`durable`; an external emulator keeps its own)."""
    external = os.environ.get("AWS_ENDPOINT_URL")
    if external:
        return Emulator(external.rstrip("/"), region)
    logging.getLogger("werkzeug").setLevel(logging.CRITICAL)
    credentials = Credentials.drawn()
    os.environ["AWS_ACCESS_KEY_ID"] = credentials.access_key_id
    os.environ["AWS_SECRET_ACCESS_KEY"] = credentials.secret_access_key
    server = SerializedMotoServer(credentials, region, DurableState(data_dir) if data_dir else None)
    return Emulator(server.endpoint, region, server, credentials)


def _create_table(dynamodb: Any, definition: TableDefinition) -> None:
    schema: Any = definition.model._get_schema()
    attributes = {item["AttributeName"]: item for item in schema["attribute_definitions"]}
    indexes = []
    for index in schema["global_secondary_indexes"]:
        attributes.update({item["AttributeName"]: item for item in index["attribute_definitions"]})
        indexes.append(
            {
                "IndexName": index["index_name"],
                "KeySchema": index["key_schema"],
                "Projection": index["projection"],
            }
        )
    request: dict[str, Any] = {
        "TableName": definition.model.Meta.table_name,
        "KeySchema": schema["key_schema"],
        "AttributeDefinitions": list(attributes.values()),
        "BillingMode": "PAY_PER_REQUEST",
    }
    if indexes:
        request["GlobalSecondaryIndexes"] = indexes
    if definition.stream:
        request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"}
    dynamodb.create_table(**request)
    if definition.ttl_attribute:
        dynamodb.update_time_to_live(
            TableName=request["TableName"],
            TimeToLiveSpecification={"Enabled": True, "AttributeName": definition.ttl_attribute},
        )


def create_tables(dynamodb: Any) -> dict[str, str]:
    """Create missing tables; returns {logical name: stream ARN} for the streamed ones."""
    existing = set(dynamodb.list_tables()["TableNames"])
    streams = {}
    for definition in TABLES:
        name = definition.model.Meta.table_name
        if name not in existing:
            _create_table(dynamodb, definition)
        if definition.stream:
            streams[definition.name] = dynamodb.describe_table(TableName=name)["Table"]["LatestStreamArn"]
    return streams


def create_user_pool(cognito: Any) -> tuple[str, str]:
    """The pool and app client (reused when an external emulator already has them)."""
    for pool in cognito.list_user_pools(MaxResults=60)["UserPools"]:
        if pool["Name"] == POOL_NAME:
            clients = cognito.list_user_pool_clients(UserPoolId=pool["Id"], MaxResults=60)["UserPoolClients"]
            for client in clients:
                if client["ClientName"] == CLIENT_NAME:
                    return pool["Id"], client["ClientId"]
    pool_id = cognito.create_user_pool(
        PoolName=POOL_NAME,
        UsernameAttributes=["email"],
        AutoVerifiedAttributes=["email"],
        Policies={"PasswordPolicy": PASSWORD_POLICY},
        Schema=[{"Name": USER_ID_ATTRIBUTE, "AttributeDataType": "String", "Mutable": True}],
    )["UserPool"]["Id"]
    client_id = cognito.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName=CLIENT_NAME,
        GenerateSecret=False,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        ReadAttributes=["email", f"custom:{USER_ID_ATTRIBUTE}"],
        WriteAttributes=["email"],
    )["UserPoolClient"]["ClientId"]
    cognito.create_group(GroupName=OPERATOR_GROUP, UserPoolId=pool_id)
    return pool_id, client_id


THING_KEY_ALIAS = "alias/nodeshare-thing-tokens"


def create_thing_key(kms: Any) -> str:
    """The KMS key that signs thing tokens (reused when an external emulator already has it)."""
    for alias in kms.list_aliases()["Aliases"]:
        if alias["AliasName"] == THING_KEY_ALIAS and alias.get("TargetKeyId"):
            return str(alias["TargetKeyId"])
    key_id = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY", Description="nodeshare thing tokens")[
        "KeyMetadata"
    ]["KeyId"]
    kms.create_alias(AliasName=THING_KEY_ALIAS, TargetKeyId=key_id)
    return str(key_id)
