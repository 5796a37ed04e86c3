"""The cascade processor: fed by the stream of every streamed table, reporting partial batch
failures, bisecting failing batches, retrying a bounded number of times and sending what still
fails to an SQS queue."""

from __future__ import annotations

from typing import Any

import pytest
from nodeshare.routes import STREAM_HANDLER
from nodeshare.store.models import TABLES, TableDefinition

from tests.infra.assembly import Synthesis
from tests.infra.cfn import Grant, get_att, grants_of_function, ref, resources_of_type, table_ids

STREAMED = [definition for definition in TABLES if definition.stream]
BY_STREAMED_TABLE = pytest.mark.parametrize(
    "definition", STREAMED, ids=[definition.name for definition in STREAMED]
)


def _processor_id(template: dict[str, Any]) -> str:
    """The function that runs the stream handler."""
    handler = f"{STREAM_HANDLER.replace('.', '/')}.handler"
    found = [
        logical_id
        for logical_id, function in resources_of_type(template, "AWS::Lambda::Function").items()
        if function["Properties"]["Handler"] == handler
    ]
    assert len(found) == 1, f"expected one function with Handler {handler}, found {found}"
    return found[0]


def _mapping_of(template: dict[str, Any], definition: TableDefinition) -> dict[str, Any]:
    table_id = table_ids(template)[definition.name]
    mappings = [
        mapping["Properties"]
        for mapping in resources_of_type(template, "AWS::Lambda::EventSourceMapping").values()
        if get_att(mapping["Properties"]["EventSourceArn"]) == (table_id, "StreamArn")
    ]
    assert len(mappings) == 1, f"{definition.name}: expected one event source mapping, found {mappings}"
    return mappings[0]


def _failure_queue(template: dict[str, Any], mapping: dict[str, Any]) -> str:
    """The logical id of the SQS queue a mapping sends failed records to."""
    destination = get_att(mapping["DestinationConfig"]["OnFailure"]["Destination"])
    assert destination is not None and destination[1] == "Arn", mapping["DestinationConfig"]
    assert template["Resources"][destination[0]]["Type"] == "AWS::SQS::Queue", destination
    return destination[0]


def test_stream_processor_runs_the_stream_handler(synthesis: Synthesis) -> None:
    """Exactly one function has Handler `streams/process_table_stream.handler` (STREAM_HANDLER),
    and its code asset holds that module."""
    processor = synthesis.template["Resources"][_processor_id(synthesis.template)]

    assert STREAM_HANDLER == "streams.process_table_stream"
    assert processor["Properties"]["Handler"] == "streams/process_table_stream.handler"
    code = synthesis.outdir / processor["Metadata"]["aws:asset:path"]
    assert "def handler(" in (code / "streams" / "process_table_stream.py").read_text()


def test_event_sources_are_exactly_the_streamed_tables(template: dict[str, Any]) -> None:
    """There is one event source mapping per streamed table and no other, all feeding the stream
    processor."""
    mappings = resources_of_type(template, "AWS::Lambda::EventSourceMapping").values()
    ids = table_ids(template)

    sources = sorted(get_att(mapping["Properties"]["EventSourceArn"]) or () for mapping in mappings)
    assert sources == sorted((ids[definition.name], "StreamArn") for definition in STREAMED)
    assert {ref(mapping["Properties"]["FunctionName"]) for mapping in mappings} == {_processor_id(template)}


@BY_STREAMED_TABLE
def test_stream_mapping_handles_failures(template: dict[str, Any], definition: TableDefinition) -> None:
    """The mapping reports batch item failures, bisects a failing batch, retries a bounded number
    of times (1..10) and sends records that still fail to an SQS queue."""
    mapping = _mapping_of(template, definition)

    assert mapping["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert mapping["BisectBatchOnFunctionError"] is True
    assert 0 < mapping["MaximumRetryAttempts"] <= 10
    assert _failure_queue(template, mapping)


def test_stream_processor_may_use_its_streams_and_failure_queue(template: dict[str, Any]) -> None:
    """The processor's role can read every streamed table's stream and send to the on-failure
    queue (without which Lambda cannot deliver the failed batch's record)."""
    grants = grants_of_function(template, _processor_id(template))
    queues = {
        _failure_queue(template, mapping["Properties"])
        for mapping in resources_of_type(template, "AWS::Lambda::EventSourceMapping").values()
    }

    for definition in STREAMED:
        for action in ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"):
            assert Grant(action, f"stream:{definition.name}") in grants
    for queue in queues:
        assert Grant("sqs:SendMessage", f"queue:{queue}") in grants


@BY_STREAMED_TABLE
def test_stream_mapping_is_filtered_to_what_the_processor_acts_on(
    template: dict[str, Any], definition: TableDefinition
) -> None:
    """Each mapping carries its table's filter patterns (`store.stream_filters.FILTERS`), which
    tests/unit/test_stream_filters.py checks against every record kind the processor acts on;
    Lambda takes at most 5 patterns per mapping without a quota increase."""
    import json

    from nodeshare.store.stream_filters import FILTERS

    filters = _mapping_of(template, definition)["FilterCriteria"]["Filters"]

    assert [json.loads(entry["Pattern"]) for entry in filters] == [dict(p) for p in FILTERS[definition.name]]
    assert 1 <= len(filters) <= 5
