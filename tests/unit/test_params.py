"""Params writes are checked against the node's RainMaker config."""

import pytest
from nodeshare.domain.params import check_write, initial_params
from nodeshare.model.errors import InvalidParams

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
