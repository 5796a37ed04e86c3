"""Permission requests' pure rules: who may view, answer or cancel one (the one
`may_handle_request`), what level an approval grants, and exact expiry."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from nodeshare.domain.authorization import RequestAction, may_handle_request
from nodeshare.domain.permission_requests import granted_level
from nodeshare.domain.permissions import parse_level
from nodeshare.model.entities import PermissionRequest, Principal, RequestStatus
from nodeshare.model.errors import BadRequest
from nodeshare.model.levels import Level

NOW = 1_800_000_000
REQUESTER = Principal("u-requester", "requester@x.test")
APPROVER = Principal("u-approver", "approver@x.test")
STRANGER = Principal("u-stranger", "stranger@x.test")
OPERATOR = Principal("u-operator", "operator@x.test", is_operator=True)
SPELLINGS = ["dr", "r", "rw", "rwp", "d/r", "r/w", "r/w/p"]


def request(approver: str | None = APPROVER.user_id, expires_at: int = NOW + 60) -> PermissionRequest:
    return PermissionRequest(
        request_id="r1",
        requester_user_id=REQUESTER.user_id,
        requester_user_name=REQUESTER.user_name,
        approver_user_id=approver,
        node_id="n1",
        node_epoch=1,
        level=Level.READ_WRITE,
        status=RequestStatus.PENDING,
        created_at=NOW,
        expires_at=expires_at,
    )


@pytest.mark.parametrize(
    ("principal", "view", "answer", "cancel"),
    [
        (REQUESTER, True, False, True),
        (APPROVER, True, True, False),
        (STRANGER, False, False, False),
        (OPERATOR, False, False, False),
    ],
    ids=["requester", "approver", "stranger", "operator"],
)
def test_the_parties_of_a_permission_request(principal: Principal, view: bool, answer: bool, cancel: bool):
    allowed = {action: may_handle_request(principal, action, request()) for action in RequestAction}
    assert allowed == {RequestAction.VIEW: view, RequestAction.ANSWER: answer, RequestAction.CANCEL: cancel}


def test_a_request_nobody_may_answer_is_its_requesters_alone():
    unanswerable = request(approver=None)
    for principal in (APPROVER, STRANGER, OPERATOR):
        assert not any(may_handle_request(principal, action, unanswerable) for action in RequestAction)
    assert may_handle_request(REQUESTER, RequestAction.VIEW, unanswerable)
    assert may_handle_request(REQUESTER, RequestAction.CANCEL, unanswerable)
    assert not may_handle_request(REQUESTER, RequestAction.ANSWER, unanswerable)


def test_a_missing_request_is_nobodys():
    assert not any(may_handle_request(REQUESTER, action, None) for action in RequestAction)


@given(asked=st.sampled_from(list(Level)), permission=st.none() | st.sampled_from(SPELLINGS))
def test_an_approval_grants_the_level_asked_for_or_lower_never_higher(asked: Level, permission: str | None):
    try:
        level = granted_level(asked, permission)
    except BadRequest:
        assert permission is not None and parse_level(permission).rank > asked.rank
        return
    assert level.rank <= asked.rank
    if permission is None:
        assert level is asked


def test_buildingdepot_spellings_and_raising():
    assert granted_level(Level.READ_WRITE_PERMISSION, "r/w") is Level.READ_WRITE
    assert granted_level(Level.READ, "d/r") is Level.DENY_READ
    with pytest.raises(BadRequest):
        granted_level(Level.READ, "rw")


def test_expiry_is_exact():
    assert request(expires_at=NOW + 1).status_at(NOW) is RequestStatus.PENDING
    assert request(expires_at=NOW).status_at(NOW) is RequestStatus.EXPIRED
