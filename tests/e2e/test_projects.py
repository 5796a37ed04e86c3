"""EVRYTHNG projects (`/v1/admin/projects…`, issue 10): a user in a project is in the scope of every
node scoped to it, so it may claim it while nobody owns it; leaving the project, or its deletion,
takes that away on the next request. Over HTTP against the local stack, as a client would."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest

from tests.support.client import LIGHT_CONFIG, LIGHT_PARAMS, Api, Caller, unique_node_id
from tests.support.local_stack import wait_for

NOT_FOUND = {
    "status": "failure",
    "description": "Node not found or thing password incorrect",
    "error_code": 107031,
}
PROJECT_ID = re.compile(r"^[A-Za-z0-9]{24}$")


def create(api: Api, name: str = "Field trial", **fields: Any) -> dict[str, Any]:
    response = api.operator.post("/v1/admin/projects", json={"name": name, **fields})
    assert response.status_code == 201, response.text
    return response.json()


def set_users(api: Api, project_id: str, users: list[str]):
    return api.operator.put(f"/v1/admin/projects/{project_id}/users", json={"users": users})


def get(api: Api, project_id: str) -> dict[str, Any]:
    response = api.operator.get(f"/v1/admin/projects/{project_id}")
    assert response.status_code == 200, response.text
    return response.json()


def project_node(api: Api, project_id: str) -> str:
    """A node nobody owns whose scopes name only the project (no user, not `all`)."""
    node_id = api.node(scopes={"users": [], "projects": []})
    response = api.operator.put(
        f"/v1/admin/nodes/{node_id}?withScopes=true", json={"scopes": {"projects": [f"+{project_id}"]}}
    )
    assert response.status_code == 200, response.text
    assert response.json()["scopes"] == {"users": [], "projects": [project_id]}
    return node_id


def refused(api: Api, user: Caller, node_id: str) -> None:
    response = api.claim(user, node_id)
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert api.admin_view(node_id)["primary_user_id"] is None


def test_a_user_claims_a_project_node_only_while_in_the_project(api: Api):
    project = create(api)
    node_id = project_node(api, project["id"])
    user = api.user()
    # Given the user is in no project: its claim is answered as a wrong password is
    refused(api, user, node_id)
    # When an operator adds it to the project, it may claim the node
    response = set_users(api, project["id"], [f"+{user.user_id}"])
    assert response.status_code == 200, response.text
    assert response.json()["users"] == [user.user_id]
    assert api.claim(user, node_id).status_code == 204
    # When it lets the node go and is removed from the project, it may not claim it again
    api.release(user, node_id)
    assert set_users(api, project["id"], [f"-{user.user_id}"]).json()["users"] == []
    refused(api, user, node_id)


def test_registration_with_project_scopes_the_node_to_the_project(api: Api):
    project = create(api)
    member, outsider = api.user(), api.user()
    assert set_users(api, project["id"], [member.user_id]).status_code == 200
    node_id = unique_node_id()
    response = api.operator.post(
        f"/v1/admin/nodes?project={project['id']}",
        json={
            "node_id": node_id,
            "name": "Light",
            "type": "Lightbulb",
            "secret": "thing-secret-1",
            "config": LIGHT_CONFIG,
            "params": LIGHT_PARAMS,
            "scopes": {"users": [], "projects": []},
        },
    )
    assert response.status_code == 201, response.text
    assert api.admin_view(node_id)["scopes"]["projects"] == [project["id"]]
    refused(api, outsider, node_id)
    assert api.claim(member, node_id).status_code == 204


def test_deleting_the_project_ends_its_members_scope_on_the_next_request(api: Api):
    project = create(api)
    node_id = project_node(api, project["id"])
    user = api.user()
    assert set_users(api, project["id"], [user.user_id]).status_code == 200
    response = api.operator.delete(f"/v1/admin/projects/{project['id']}")
    assert response.status_code == 200, response.text
    refused(api, user, node_id)
    gone = api.operator.get(f"/v1/admin/projects/{project['id']}")
    assert (gone.status_code, gone.json()["error_code"]) == (404, 107072)


def test_create_get_list_update_and_delete(api: Api):
    # Given a project is created with an EVRYTHNG-like id
    project = create(api, "Pilot", description="first sites")
    assert PROJECT_ID.match(project["id"])
    assert project | {"created_at": 0} == {
        "id": project["id"],
        "name": "Pilot",
        "description": "first sites",
        "users": [],
        "created_at": 0,
    }
    assert get(api, project["id"]) == project
    # Then the operators' list holds it, in id order, paged by start_id
    others = [create(api, f"P{n}")["id"] for n in range(2)]
    listed = api.operator.get("/v1/admin/projects", params={"num_records": 100}).json()["projects"]
    ids = [each["id"] for each in listed]
    assert ids == sorted(ids) and {project["id"], *others} <= set(ids)
    first = api.operator.get("/v1/admin/projects", params={"num_records": 1}).json()
    second = api.operator.get("/v1/admin/projects", params={"num_records": 1, "start_id": first["next_id"]})
    assert second.json()["projects"][0]["id"] > first["projects"][0]["id"]
    # When it is renamed and its description cleared
    response = api.operator.put(
        f"/v1/admin/projects/{project['id']}", json={"name": "Pilot 2", "description": ""}
    )
    assert response.status_code == 200, response.text
    assert (response.json()["name"], response.json()["description"]) == ("Pilot 2", "")
    # When it is deleted it is gone
    assert api.operator.delete(f"/v1/admin/projects/{project['id']}").status_code == 200
    assert api.operator.get(f"/v1/admin/projects/{project['id']}").status_code == 404
    assert api.operator.delete(f"/v1/admin/projects/{project['id']}").status_code == 404


def test_the_users_grammar_replaces_adds_and_removes(api: Api):
    project = create(api)
    a, b, c = (api.user().user_id for _ in range(3))
    assert set_users(api, project["id"], [a, b]).json()["users"] == sorted([a, b])
    assert set_users(api, project["id"], [f"+{c}", f"+{a}"]).json()["users"] == sorted([a, b, c])
    assert set_users(api, project["id"], [f"-{b}", "-not-there"]).json()["users"] == sorted([a, c])
    assert set_users(api, project["id"], [c]).json()["users"] == [c]
    assert set_users(api, project["id"], []).json()["users"] == []


def test_two_operators_add_and_remove_at_once_and_both_take_effect(api: Api):
    project = create(api)
    a, b = api.user().user_id, api.user().user_id
    assert set_users(api, project["id"], [b]).status_code == 200
    answers: list[int] = []
    changes = ([f"+{a}"], [f"-{b}"])
    threads = [
        threading.Thread(target=lambda c=c: answers.append(set_users(api, project["id"], c).status_code))
        for c in changes
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200, 200]
    assert get(api, project["id"])["users"] == [a]


@pytest.mark.parametrize(
    "users",
    [
        ["+x", "y"],
        ["+all"],
        ["all"],
        ["+"],
        [""],
        "someone",
        [1],
        ["x"] * 101,
    ],
)
def test_bad_users_are_a_400_and_nothing_is_written(api: Api, users: Any):
    project = create(api)
    member = api.user().user_id
    assert set_users(api, project["id"], [member]).status_code == 200
    response = api.operator.put(f"/v1/admin/projects/{project['id']}/users", json={"users": users})
    assert response.status_code == 400, response.text
    assert response.json()["status"] == "failure"
    assert get(api, project["id"])["users"] == [member]


def test_an_unknown_user_id_is_a_400_and_nothing_is_written(api: Api):
    project = create(api)
    known = api.user().user_id
    response = set_users(api, project["id"], [known, "no-such-user"])
    assert (response.status_code, response.json()["error_code"]) == (400, 107001)
    assert "no-such-user" in response.json()["description"]
    assert get(api, project["id"])["users"] == []


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/admin/projects", {}),
        ("POST", "/v1/admin/projects", {"name": ""}),
        ("POST", "/v1/admin/projects", {"name": "x", "extra": 1}),
        ("PUT", "/v1/admin/projects/{id}", {}),
        ("PUT", "/v1/admin/projects/{id}", {"name": 3}),
        ("PUT", "/v1/admin/projects/{id}/users", {}),
        ("PUT", "/v1/admin/projects/{id}/users", {"users": ["x"], "more": 1}),
        ("GET", "/v1/admin/projects/not-a-project-id", None),
        ("GET", "/v1/admin/projects?start_id=bad!", None),
        ("GET", "/v1/admin/projects?num_records=0", None),
    ],
)
def test_bad_input_on_every_route_is_a_400(api: Api, method: str, path: str, body: Any):
    project = create(api, "Untouched")
    response = api.operator.request(method, path.replace("{id}", project["id"]), json=body)
    assert response.status_code == 400, response.text
    assert response.json()["status"] == "failure"
    assert get(api, project["id"]) == project


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("GET", "", None),
        ("PUT", "", {"name": "x"}),
        ("DELETE", "", None),
        ("PUT", "/users", {"users": []}),
    ],
)
def test_an_unknown_project_is_a_404(api: Api, method: str, suffix: str, body: Any):
    response = api.operator.request(method, f"/v1/admin/projects/{'U' * 24}{suffix}", json=body)
    assert (response.status_code, response.json()["error_code"]) == (404, 107072), response.text


@pytest.mark.parametrize("caller_kind", ["user", "anonymous"])
@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("POST", "", {"name": "mine"}),
        ("GET", "", None),
        ("GET", "/{id}", None),
        ("PUT", "/{id}", {"name": "x"}),
        ("DELETE", "/{id}", None),
        ("PUT", "/{id}/users", {"users": ["+{me}"]}),
    ],
)
def test_only_operators_may_touch_projects(api: Api, caller_kind: str, method: str, suffix: str, body: Any):
    project = create(api, "Operators only")
    caller = api.user() if caller_kind == "user" else api.anonymous
    path = "/v1/admin/projects" + suffix.replace("{id}", project["id"])
    if body and "users" in body:
        body = {"users": [f"+{caller.user_id or 'x'}"]}
    response = caller.request(method, path, json=body)
    expected = 401 if caller_kind == "anonymous" else 403
    assert response.status_code == expected, response.text
    if expected == 403:
        assert response.json()["error_code"] == 107021
    assert get(api, project["id"]) == project


def discovered(caller: Caller, num_records: int = 100) -> list[str]:
    """Every node `GET /v1/things` lists for the caller, page after page."""
    found: list[str] = []
    params: dict[str, Any] = {"num_records": num_records}
    while True:
        response = caller.get("/v1/things", params=params)
        assert response.status_code == 200, response.text
        found.extend(thing["node_id"] for thing in response.json()["things"])
        if "next_id" not in response.json():
            return found
        params["start_id"] = response.json()["next_id"]


def test_discovery_lists_the_unclaimed_nodes_in_the_caller_s_scope(api: Api):
    project = create(api)
    member, outsider = api.user(), api.user()
    assert set_users(api, project["id"], [member.user_id]).status_code == 200
    named = api.node(scopes={"users": [member.user_id], "projects": []})
    through_project = project_node(api, project["id"])
    everyone = api.node(scopes={"users": ["all"], "projects": []})
    nobody = api.node(scopes={"users": [], "projects": []})
    mine = {named, through_project, everyone}
    # The index follows the node items through the stream: wait until it has caught up
    assert wait_for(lambda: mine <= set(discovered(member)), timeout=20)
    listed = discovered(member)
    assert listed == sorted(listed) and nobody not in listed
    assert set(discovered(member, num_records=1)) == set(listed)
    others = set(discovered(outsider))
    assert everyone in others and not {named, through_project, nobody} & others
    # A claimed node is no longer listed, at once (the decision keeps only what may be claimed)
    assert api.claim(member, through_project).status_code == 204
    assert through_project not in discovered(member)
    # Leaving the project takes its nodes out of the listing on the next request
    released = project_node(api, project["id"])
    assert wait_for(lambda: released in discovered(member), timeout=20)
    assert set_users(api, project["id"], [f"-{member.user_id}"]).status_code == 200
    assert released not in discovered(member)


def test_discovery_refuses_bad_paging(api: Api):
    user = api.user()
    for params in ({"num_records": 0}, {"num_records": "x"}, {"start_id": "bad id!"}):
        assert user.get("/v1/things", params=params).status_code == 400
    assert api.anonymous.get("/v1/things").status_code == 401
