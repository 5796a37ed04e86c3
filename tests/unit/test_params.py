"""Params writes are checked against the node's RainMaker config."""

import math

import pytest
from nodeshare.domain.params import (
    CONFIG_MAX_BYTES,
    CONFIG_MAX_DEPTH,
    check_config,
    check_write,
    initial_params,
)
from nodeshare.model.errors import BadRequest, InvalidParams

from tests.support.client import LIGHT_CONFIG

CONFIG = {**LIGHT_CONFIG, "services": [{"name": "Time", "params": [{"name": "TZ", "data_type": "string",
          "properties": ["read", "write"], "valid_strs": ["UTC", "Asia/Tokyo"]}]}]}  # fmt: skip


@pytest.mark.parametrize(
    "payload",
    [
        {"Light": {"Power": True}},
        {"Light": {"Brightness": 0}},
        {"Light": {"Brightness": 100, "Power": False}},
        {"Time": {"TZ": "Asia/Tokyo"}},
    ],
)
def test_writes_the_config_allows_pass(payload):
    check_write(CONFIG, payload)


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"Fan": {"Power": True}}, "Unknown device Fan"),
        ({"Light": {"Speed": 1}}, "Unknown param Light.Speed"),
        ({"Light": {"Name": "x"}}, "Light.Name is read-only"),
        ({"Light": {"Power": "on"}}, "Light.Power must be of type bool"),
        ({"Light": {"Brightness": True}}, "Light.Brightness must be of type int"),
        ({"Light": {"Brightness": 1.5}}, "Light.Brightness must be of type int"),
        ({"Light": {"Brightness": 101}}, "Light.Brightness must be between 0 and 100"),
        ({"Time": {"TZ": "Mars"}}, "Time.TZ must be one of UTC, Asia/Tokyo"),
        ({"Light": {}}, "Params of Light must be a non-empty object"),
        ({}, "Params must be an object"),
    ],
)
def test_writes_the_config_does_not_allow_are_refused(payload, reason):
    with pytest.raises(InvalidParams, match=reason):
        check_write(CONFIG, payload)


def test_initial_params_give_every_device_a_map():
    assert initial_params(CONFIG, {"Light": {"Name": "Desk"}}) == {"Light": {"Name": "Desk"}, "Time": {}}


def test_initial_params_may_set_read_only_params_but_not_unknown_ones():
    with pytest.raises(InvalidParams):
        initial_params(CONFIG, {"Light": {"Colour": "red"}})


# --- config and params are stored documents -------------------------------------------------------

OBJECT_CONFIG = {"info": {}, "devices": [{"name": "D", "params": [
    {"name": "O", "data_type": "object", "properties": ["read", "write"]},
    {"name": "F", "data_type": "float", "properties": ["read", "write"]}]}]}  # fmt: skip


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        ({"D": {"O": {"": 1}}}, "params.D.O: object keys must be non-empty strings"),
        ({"D": {"O": {"a": "\ud800"}}}, "params.D.O.a: not valid Unicode"),
        ({"D": {"F": math.nan}}, "params.D.F: NaN and Infinity"),
        ({"D": {"F": 1e200}}, "params.D.F: numbers must be 0 or of magnitude"),
        ({"D": {"O": {"1": {"2": {"3": {"4": {"5": {"6": {}}}}}}}}}, "D.O.1.2.3.4.5.6: nested deeper than 8"),
        ({"D": {"O": {"big": "x" * 8200}}}, "more than the 8192 allowed"),
    ],
)
def test_params_that_could_not_be_stored_are_refused_at_registration_and_on_write(payload, why):
    for check in (check_write, initial_params):
        with pytest.raises(BadRequest) as refused:
            check(OBJECT_CONFIG, payload)
        assert why in refused.value.description


def deep_config(levels: int) -> dict:
    """A config `levels` deep (itself level 1), its depth in `info`."""
    value: dict = {}
    for _ in range(levels - 2):
        value = {"d": value}
    return {"info": value, "devices": []}


def test_a_config_holds_at_most_12_levels_and_32_kilobytes():
    check_config(deep_config(CONFIG_MAX_DEPTH))
    check_config({"info": {"x": "y" * (CONFIG_MAX_BYTES - 100)}, "devices": []})
    with pytest.raises(BadRequest, match="nested deeper than 12 levels"):
        check_config(deep_config(CONFIG_MAX_DEPTH + 1))
    with pytest.raises(BadRequest, match="more than the 32768 allowed"):
        check_config({"info": {"x": "y" * CONFIG_MAX_BYTES}, "devices": []})
    with pytest.raises(BadRequest, match=r"config\.info: object keys must be non-empty strings"):
        check_config({"info": {"": True}, "devices": []})
