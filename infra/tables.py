"""DynamoDB tables, built from the pynamodb models (`nodeshare.store.models.TABLES`)."""

from typing import Any

from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct
from nodeshare.store.models import TABLES, TableDefinition

from infra.config import StageConfig

_TYPES = {
    "S": dynamodb.AttributeType.STRING,
    "N": dynamodb.AttributeType.NUMBER,
    "B": dynamodb.AttributeType.BINARY,
}
_PROJECTIONS = {
    "ALL": dynamodb.ProjectionType.ALL,
    "KEYS_ONLY": dynamodb.ProjectionType.KEYS_ONLY,
    "INCLUDE": dynamodb.ProjectionType.INCLUDE,
}


def _keys(key_schema: list[dict[str, str]], types: dict[str, str]) -> dict[str, dynamodb.Attribute]:
    keys = {}
    for key in key_schema:
        attribute = dynamodb.Attribute(name=key["AttributeName"], type=_TYPES[types[key["AttributeName"]]])
        keys["partition_key" if key["KeyType"] == "HASH" else "sort_key"] = attribute
    return keys


class Tables(Construct):
    """Every table on demand, with point-in-time recovery, deletion protection, TTL where requests
    live and streams (new and old images) where cascades start. A dev stage's tables go with
    the stack (`StageConfig.removal_policy`); any other's stay, protected from deletion."""

    def __init__(self, scope: Construct, construct_id: str, config: StageConfig | None = None) -> None:
        super().__init__(scope, construct_id)
        self.config = config or StageConfig()
        self.by_name: dict[str, dynamodb.Table] = {}
        # The tables with global secondary indexes: a grant on them covers `/index/*` too.
        self.indexed = {definition.name for definition in TABLES if definition.has_indexes}
        for definition in TABLES:
            self.by_name[definition.name] = self._table(definition)

    def _table(self, definition: TableDefinition) -> dynamodb.Table:
        schema: Any = definition.model._get_schema()
        types = {item["AttributeName"]: item["AttributeType"] for item in schema["attribute_definitions"]}
        for index in schema["global_secondary_indexes"]:
            types.update(
                {item["AttributeName"]: item["AttributeType"] for item in index["attribute_definitions"]}
            )
        table = dynamodb.Table(
            self,
            definition.name.capitalize(),
            **_keys(schema["key_schema"], types),
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            deletion_protection=self.config.deletion_protection,
            removal_policy=self.config.removal_policy,
            encryption=dynamodb.TableEncryption.AWS_MANAGED,
            time_to_live_attribute=definition.ttl_attribute,
            stream=dynamodb.StreamViewType.NEW_AND_OLD_IMAGES if definition.stream else None,
        )
        for index in schema["global_secondary_indexes"]:
            projection = index["projection"]
            table.add_global_secondary_index(
                index_name=index["index_name"],
                **_keys(index["key_schema"], types),
                projection_type=_PROJECTIONS[projection["ProjectionType"]],
                non_key_attributes=projection.get("NonKeyAttributes"),
            )
        return table
