"""DynamoDB: one table per model in `nodeshare.store.models.TABLES`, with the model's keys and
indexes, on demand, recoverable, protected from deletion, with TTL and streams exactly where the
table definition asks for them."""

from __future__ import annotations

from typing import Any

import pytest
from nodeshare.store.models import TABLES, TableDefinition

from tests.infra.cfn import resources_of_type, table_ids

BY_NAME = pytest.mark.parametrize("definition", TABLES, ids=[definition.name for definition in TABLES])


def _keys(key_schema: list[dict[str, str]]) -> dict[str, str]:
    """KeyType -> AttributeName; pynamodb lists key elements in no particular order."""
    return {key["KeyType"]: key["AttributeName"] for key in key_schema}


def _table(template: dict[str, Any], definition: TableDefinition) -> dict[str, Any]:
    properties: dict[str, Any] = template["Resources"][table_ids(template)[definition.name]]["Properties"]
    return properties


def test_one_table_per_model(template: dict[str, Any]) -> None:
    """Every TableDefinition has its table (resolved by logical id `Tables<Name>`) and there are no
    other tables."""
    ids = table_ids(template)

    assert sorted(ids.values()) == sorted(resources_of_type(template, "AWS::DynamoDB::Table"))


@BY_NAME
def test_table_keys_and_indexes_match_the_model(
    template: dict[str, Any], definition: TableDefinition
) -> None:
    """The table's key schema, attribute types and global secondary indexes (keys and projection)
    equal the pynamodb model's `_get_schema()`; there are no local secondary indexes."""
    schema: Any = definition.model._get_schema()
    table = _table(template, definition)

    assert _keys(table["KeySchema"]) == _keys(schema["key_schema"])
    # HASH must come first in CloudFormation's KeySchema.
    assert table["KeySchema"][0]["KeyType"] == "HASH"
    expected_types = {
        item["AttributeName"]: item["AttributeType"] for item in schema["attribute_definitions"]
    }
    for index in schema["global_secondary_indexes"]:
        expected_types.update(
            {item["AttributeName"]: item["AttributeType"] for item in index["attribute_definitions"]}
        )
    assert {
        item["AttributeName"]: item["AttributeType"] for item in table["AttributeDefinitions"]
    } == expected_types

    actual_indexes = {
        index["IndexName"]: (_keys(index["KeySchema"]), index["Projection"])
        for index in table.get("GlobalSecondaryIndexes", [])
    }
    expected_indexes = {
        index["index_name"]: (_keys(index["key_schema"]), index["projection"])
        for index in schema["global_secondary_indexes"]
    }
    assert actual_indexes == expected_indexes
    assert schema["local_secondary_indexes"] == []
    assert "LocalSecondaryIndexes" not in table


@BY_NAME
def test_table_is_on_demand_recoverable_and_protected(
    template: dict[str, Any], definition: TableDefinition
) -> None:
    """Billing is PAY_PER_REQUEST, point-in-time recovery is on, deletion protection is on, and the
    table is retained if the stack is deleted."""
    resource = template["Resources"][table_ids(template)[definition.name]]
    table = resource["Properties"]

    assert table["BillingMode"] == "PAY_PER_REQUEST"
    assert "ProvisionedThroughput" not in table
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["DeletionProtectionEnabled"] is True
    assert resource["DeletionPolicy"] == "Retain"


@BY_NAME
def test_ttl_exactly_where_defined(template: dict[str, Any], definition: TableDefinition) -> None:
    """TTL is enabled on the definition's `ttl_attribute` (`expires_at` for requests), and tables
    without one have no TTL."""
    table = _table(template, definition)

    if definition.ttl_attribute is None:
        assert "TimeToLiveSpecification" not in table
    else:
        assert definition.ttl_attribute == "expires_at"
        assert table["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}


@BY_NAME
def test_stream_exactly_where_defined(template: dict[str, Any], definition: TableDefinition) -> None:
    """Tables whose definition says `stream=True` stream new and old images; the others have no
    stream."""
    table = _table(template, definition)

    if definition.stream:
        assert table["StreamSpecification"] == {"StreamViewType": "NEW_AND_OLD_IMAGES"}
    else:
        assert "StreamSpecification" not in table


def test_the_node_catalog_index_holds_keys_only(template: dict[str, Any]) -> None:
    """`by_catalog` copies no node attributes: a node write (params) is not written again into
    the index (its reader reads the items by key, `store.nodes.list_page`)."""
    nodes = template["Resources"][table_ids(template)["nodes"]]["Properties"]
    (catalog,) = [index for index in nodes["GlobalSecondaryIndexes"] if index["IndexName"] == "by_catalog"]

    assert catalog["Projection"] == {"ProjectionType": "KEYS_ONLY"}
