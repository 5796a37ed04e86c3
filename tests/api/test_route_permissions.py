"""The route table's IAM, enforced locally (`nodeshare.local.permissions`): a handler that touches
a table or a Cognito admin action its route does not name fails as it would once deployed."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from nodeshare.local.permissions import acting_as, refusal
from nodeshare.routes import ROUTES_BY_OPERATION

NODE_UPDATE = {"TransactItems": [{"Update": {"TableName": "nodeshare-nodes", "Key": {}}}]}


def test_a_route_may_write_only_the_tables_it_names():
    assert (
        refusal(ROUTES_BY_OPERATION["remove_sharing"], "dynamodb", "TransactWriteItems", NODE_UPDATE) is None
    )
    reason = refusal(ROUTES_BY_OPERATION["list_sharing"], "dynamodb", "TransactWriteItems", NODE_UPDATE)
    assert reason and "may not write table nodes" in reason


def test_a_route_may_read_what_it_reads_or_writes_and_nothing_else():
    read_users = {"RequestItems": {"nodeshare-users": {"Keys": []}}}
    assert refusal(ROUTES_BY_OPERATION["share_nodes"], "dynamodb", "BatchGetItem", read_users) is None
    reason = refusal(ROUTES_BY_OPERATION["report_node_params"], "dynamodb", "BatchGetItem", read_users)
    assert reason and "may not read table users" in reason
    condition_check = {"TransactItems": [{"ConditionCheck": {"TableName": "nodeshare-associations"}}]}
    assert (
        refusal(ROUTES_BY_OPERATION["set_node_params"], "dynamodb", "TransactWriteItems", condition_check)
        is None
    )


def test_cognito_admin_actions_need_the_route_to_name_them():
    assert refusal(ROUTES_BY_OPERATION["logout"], "cognito-idp", "AdminUserGlobalSignOut", {}) is None
    reason = refusal(ROUTES_BY_OPERATION["get_user"], "cognito-idp", "AdminUserGlobalSignOut", {})
    assert reason and "cognito-idp:AdminUserGlobalSignOut" in reason
    assert refusal(ROUTES_BY_OPERATION["login"], "cognito-idp", "InitiateAuth", {}) is None  # public API


def test_a_call_outside_the_route_fails_as_access_denied(aws):
    dynamodb = boto3.client("dynamodb", region_name="us-east-1")
    with acting_as(ROUTES_BY_OPERATION["get_api_versions"]), pytest.raises(ClientError) as refused:
        dynamodb.get_item(TableName="nodeshare-nodes", Key={"node_id": {"S": "n"}})
    assert refused.value.response["Error"]["Code"] == "AccessDeniedException"
    # outside a route, nothing is checked
    assert "Item" not in dynamodb.get_item(TableName="nodeshare-nodes", Key={"node_id": {"S": "n"}})
