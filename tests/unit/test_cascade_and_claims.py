"""What the stream processor reacts to, and how claims reach handlers."""

from nodeshare.domain.cascade import Change, epoch_advanced
from nodeshare.http.request import principal_from_claims
from nodeshare.http.tokens import _as_gateway_string


def test_an_epoch_increase_on_a_node_starts_a_cascade():
    change = Change("nodes", "MODIFY", {"node_id": "n1", "epoch": 2}, {"node_id": "n1", "epoch": 3})
    assert epoch_advanced(change) == 3


def test_other_changes_start_nothing():
    params_write = Change("nodes", "MODIFY", {"node_id": "n1", "epoch": 3}, {"node_id": "n1", "epoch": 3})
    registration = Change("nodes", "INSERT", None, {"node_id": "n1", "epoch": 0})
    other_table = Change("requests", "MODIFY", {"epoch": 1}, {"epoch": 2})
    assert epoch_advanced(params_write) is epoch_advanced(registration) is epoch_advanced(other_table) is None


def test_claims_arrive_as_api_gateway_strings():
    assert _as_gateway_string(["admin", "ops"]) == "[admin ops]"
    assert _as_gateway_string(1700000000) == "1700000000"
    assert _as_gateway_string(True) == "true"


def test_the_principal_comes_from_id_or_access_token_claims():
    from_id_token = principal_from_claims(
        {"sub": "s1", "custom:user_id": "s1", "email": "a@x.test", "cognito:groups": "[admin]"}
    )
    from_access_token = principal_from_claims({"sub": "s1", "username": "s1"})
    assert from_id_token.user_id == from_access_token.user_id == "s1"
    assert from_id_token.is_operator and not from_access_token.is_operator
    # The token's e-mail never names the caller: the stored address does (issue 11)
    assert from_id_token.user_name == from_access_token.user_name == ""
