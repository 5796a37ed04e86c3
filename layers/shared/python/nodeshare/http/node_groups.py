"""Node group bodies as esp-rainmaker-cli sends them, to the domain's field names."""

from __future__ import annotations

from typing import Any

from nodeshare.domain.stored_json import check_storable

# The CLI's names -> NodeGroup's fields (`nodes`, `operation` and `is_matter` are not fields).
FIELD_NAMES = {
    "group_name": "name",
    "description": "description",
    "custom_data": "custom_data",
    "mutually_exclusive": "mutually_exclusive",
    "type": "type",
    "parent_group_id": "parent_group_id",
    "tag": "tag",
}


def group_fields(body: dict[str, Any]) -> dict[str, Any]:
    """The group's own fields in a create or edit body; `custom_data` must be storable as given."""
    if "custom_data" in body:
        check_storable(body["custom_data"], "custom_data")
    return {field: body[name] for name, field in FIELD_NAMES.items() if name in body}
