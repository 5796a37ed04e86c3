"""Params against a RainMaker node config: what may be written, and with which type.

A config lists `devices` (and optionally `services`), each with `params`; a param has a
`data_type` (bool, int, float, string, object, array), `properties` (`read`, `write`, ...) and
optionally `bounds` {min, max, step} (numbers: the schema says so) or `valid_strs`. A write
names `{device: {param: value}}`.

Config and params are stored documents: `check_config` and every params check hold them to
`stored_json.check_storable`, so nothing a node is registered with or written can fail to be read.
"""

from __future__ import annotations

from typing import Any

from nodeshare.domain.stored_json import check_storable, serialized_size
from nodeshare.model.errors import InvalidParams

# A RainMaker config nests 6 levels where it is deepest (config, devices, a device, its params, a
# param, its bounds); 12 leaves room for vendors' attributes. 32 KB is half a request body, on an
# item of its own (`store.models.NodeConfigModel`: params writes do not pay for it). Params
# written at once: `stored_json`'s defaults (8 KB, 8 levels).
CONFIG_MAX_BYTES = 32 * 1024
CONFIG_MAX_DEPTH = 12
# A node's params, merged from every write, stay far below DynamoDB's 400 KB item, which also holds
# the grants and the lists of secondaries (the config is an item apart): past it, a write is a
# 400, never a 500 from DynamoDB.
MAX_NODE_PARAMS_BYTES = 64 * 1024

ParamsPayload = dict[str, dict[str, Any]]

_PYTHON_TYPES: dict[str, tuple[type, ...]] = {
    "bool": (bool,),
    "int": (int,),
    "float": (int, float),
    "string": (str,),
    "object": (dict,),
    "array": (list,),
}
DATA_TYPES = tuple(_PYTHON_TYPES)


def param_definitions(config: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """{device name: {param name: param definition}} for devices and services alike."""
    definitions: dict[str, dict[str, dict[str, Any]]] = {}
    for entity in [*config.get("devices", []), *config.get("services", [])]:
        definitions[entity["name"]] = {param["name"]: param for param in entity.get("params", [])}
    return definitions


def _check_value(device: str, name: str, definition: dict[str, Any], value: Any) -> None:
    data_type = definition.get("data_type", "string")
    allowed = _PYTHON_TYPES.get(data_type, (object,))
    # bool is an int in Python; a JSON `true` is not a valid int or float param.
    if (isinstance(value, bool) and data_type != "bool") or not isinstance(value, allowed):
        raise InvalidParams(f"{device}.{name} must be of type {data_type}")
    bounds = definition.get("bounds") or {}
    if data_type in ("int", "float") and (
        ("min" in bounds and value < bounds["min"]) or ("max" in bounds and value > bounds["max"])
    ):
        raise InvalidParams(f"{device}.{name} must be between {bounds.get('min')} and {bounds.get('max')}")
    valid_strs = definition.get("valid_strs")
    if data_type == "string" and valid_strs and value not in valid_strs:
        raise InvalidParams(f"{device}.{name} must be one of {', '.join(map(str, valid_strs))}")


def check_config(config: dict[str, Any]) -> None:
    """Refuse a config that could not be stored and read back as sent (-> 400)."""
    check_storable(config, "config", max_bytes=CONFIG_MAX_BYTES, max_depth=CONFIG_MAX_DEPTH)


def check_write(config: dict[str, Any], payload: ParamsPayload, current: ParamsPayload | None = None) -> None:
    """Refuse unknown devices or params, read-only params and wrong types (-> 400), and a write
    that would grow the node's `current` params past `MAX_NODE_PARAMS_BYTES`."""
    check_values(config, payload, require_writable=True)
    if current is not None:
        check_write_size(current, payload)


def check_write_size(current: ParamsPayload, payload: ParamsPayload) -> None:
    """Refuse a write that would grow the node's `current` params past `MAX_NODE_PARAMS_BYTES`."""
    written = {device: {**current.get(device, {}), **values} for device, values in payload.items()}
    size = serialized_size({**current, **written})
    if size > MAX_NODE_PARAMS_BYTES:
        limit = MAX_NODE_PARAMS_BYTES
        raise InvalidParams(
            f"The node's params would hold {size} bytes as JSON, more than the {limit} allowed"
        )


def check_values(config: dict[str, Any], payload: ParamsPayload, *, require_writable: bool) -> None:
    definitions = param_definitions(config)
    if not isinstance(payload, dict) or not payload:
        raise InvalidParams("Params must be an object of {device: {param: value}}")
    check_storable(payload, "params")
    for device, values in payload.items():
        if device not in definitions:
            raise InvalidParams(f"Unknown device {device}")
        if not isinstance(values, dict) or not values:
            raise InvalidParams(f"Params of {device} must be a non-empty object")
        for name, value in values.items():
            definition = definitions[device].get(name)
            if definition is None:
                raise InvalidParams(f"Unknown param {device}.{name}")
            if require_writable and "write" not in definition.get("properties", []):
                raise InvalidParams(f"{device}.{name} is read-only")
            _check_value(device, name, definition, value)


def initial_params(config: dict[str, Any], given: ParamsPayload) -> ParamsPayload:
    """A node's first params: an (possibly empty) map for every device, then the given values.

    Every device gets its map up front so later writes can set `params.<device>.<param>` in place.
    """
    if given:
        check_values(config, given, require_writable=False)
    params: ParamsPayload = {device: {} for device in param_definitions(config)}
    for device, values in given.items():
        params[device].update(values)
    return params
