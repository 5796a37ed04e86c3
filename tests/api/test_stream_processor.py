"""The cascade processor: deletes rows an epoch change left behind, idempotently; reports
partial batch failures; recognizes TTL deletions."""

from __future__ import annotations

import pytest
from nodeshare.local.gateway import LambdaContext
from nodeshare.store.models import AssociationModel

from functions.streams.process_table_stream import handler

STREAM_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/nodeshare-nodes/stream/2026-01-01T00:00:00.000"
REQUESTS_ARN = (
    "arn:aws:dynamodb:us-east-1:000000000000:table/nodeshare-requests/stream/2026-01-01T00:00:00.000"
)


def node_change(sequence: str, node_id: str, old_epoch: int, new_epoch: int) -> dict:
    def image(epoch: int) -> dict:
        return {"node_id": {"S": node_id}, "epoch": {"N": str(epoch)}}

    return {
        "eventID": sequence, "eventName": "MODIFY", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1", "eventSourceARN": STREAM_ARN,
        "dynamodb": {"Keys": {"node_id": {"S": node_id}}, "OldImage": image(old_epoch),
                     "NewImage": image(new_epoch), "SequenceNumber": sequence, "SizeBytes": 10,
                     "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }  # fmt: skip


def associate(node_id: str, user_id: str, epoch: int) -> None:
    AssociationModel(node_id, user_id, user_name=f"{user_id}@x", role="secondary", level="rw",
                     epoch=epoch, created_at=0).save()  # fmt: skip


def users_of(node_id: str) -> set[str]:
    return {item.user_id for item in AssociationModel.query(node_id)}


def test_an_epoch_change_deletes_only_older_rows_and_a_redelivery_deletes_nothing_more(aws):
    # Given rows from epochs 1 and 2, and a change of the node to epoch 2
    associate("n1", "old-primary", 1)
    associate("n1", "old-secondary", 1)
    associate("n1", "new-primary", 2)
    event = {"Records": [node_change("100", "n1", 1, 2)]}

    # When the processor handles it, twice (a redelivery)
    first = handler(event, LambdaContext("process_table_stream"))
    second = handler(event, LambdaContext("process_table_stream"))

    # Then only the epoch-1 rows are gone, and nothing failed either time
    assert users_of("n1") == {"new-primary"}
    assert first == second == {"batchItemFailures": []}


def test_one_bad_record_is_reported_and_does_not_block_the_others(aws):
    associate("n2", "stale", 1)
    associate("n3", "stale", 4)
    bad = node_change("201", "n9", 1, 2)
    del bad["dynamodb"]["NewImage"]["node_id"]  # a poison record: the cascade cannot tell which node
    event = {"Records": [node_change("200", "n2", 1, 2), bad, node_change("202", "n3", 4, 5)]}

    response = handler(event, LambdaContext("process_table_stream"))

    assert response == {"batchItemFailures": [{"itemIdentifier": "201"}]}
    assert users_of("n2") == set() and users_of("n3") == set()


def test_a_ttl_deletion_is_recorded_as_expiry(aws, caplog: pytest.LogCaptureFixture):
    record = {
        "eventID": "300", "eventName": "REMOVE", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1", "eventSourceARN": REQUESTS_ARN,
        "userIdentity": {"type": "Service", "principalId": "dynamodb.amazonaws.com"},
        "dynamodb": {"Keys": {"request_id": {"S": "r1"}}, "OldImage": {"request_id": {"S": "r1"}},
                     "SequenceNumber": "300", "SizeBytes": 10, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }  # fmt: skip
    response = handler({"Records": [record]}, LambdaContext("process_table_stream"))
    assert response == {"batchItemFailures": []}
    expired = [record for record in caplog.records if record.getMessage() == "expired"]
    assert [(getattr(record, "table", None), getattr(record, "key", None)) for record in expired] == [
        ("requests", "r1")
    ]


GROUPS_ARN = "arn:aws:dynamodb:us-east-1:000000000000:table/nodeshare-groups/stream/2026-01-01T00:00:00.000"


def test_a_deleted_user_group_leaves_its_members_and_targets(aws):
    """Deleting a group counts at once (the decision needs its item); the cascade then takes it off
    its members' user items and its grants off the nodes, idempotently."""
    from nodeshare.store.models import GroupModel, NodeModel, UserModel

    UserModel("u1", user_name="u1@x", created_at=0, group_ids={"ug-1", "ug-2"}).save()
    grants = {"group:ug-1": {"level": "rw", "epoch": 1}, "user:u1": {"level": "r", "epoch": 1}}
    NodeModel("n1", name="L", type="t", secret_hash="h", params={}, created_at=0, grants=grants).save()
    members = {"u1@x": {"user_id": "u1", "manager": False}}
    group = GroupModel(
        "ug-1",
        kind="user",
        owner_user_id="o",
        name="G",
        created_at=0,
        members=members,
        granted_targets={"node:n1"},
    )
    old_image = group.serialize()
    record = {
        "eventID": "400", "eventName": "REMOVE", "eventVersion": "1.1", "eventSource": "aws:dynamodb",
        "awsRegion": "us-east-1", "eventSourceARN": GROUPS_ARN,
        "dynamodb": {"Keys": {"group_id": {"S": "ug-1"}}, "OldImage": old_image,
                     "SequenceNumber": "400", "SizeBytes": 10, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }  # fmt: skip
    for _ in range(2):  # a redelivery changes nothing more
        assert handler({"Records": [record]}, LambdaContext("process_table_stream")) == {
            "batchItemFailures": []
        }
    assert UserModel.get("u1").group_ids == {"ug-2"}
    assert set(NodeModel.get("n1").grants.as_dict()) == {"user:u1"}
