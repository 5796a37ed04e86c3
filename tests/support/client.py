"""A small HTTP client for nodeshare, and factories for users and nodes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import requests

PASSWORD = "Passw0rd!x"

LIGHT_CONFIG: dict[str, Any] = {
    "info": {"name": "Light", "type": "Lightbulb", "model": "ns-light", "fw_version": "1.0"},
    "devices": [
        {
            "name": "Light",
            "type": "esp.device.lightbulb",
            "primary": "Power",
            "params": [
                {
                    "name": "Power",
                    "type": "esp.param.power",
                    "data_type": "bool",
                    "properties": ["read", "write"],
                },
                {
                    "name": "Brightness",
                    "type": "esp.param.brightness",
                    "data_type": "int",
                    "properties": ["read", "write"],
                    "bounds": {"min": 0, "max": 100, "step": 1},
                },
                {"name": "Name", "type": "esp.param.name", "data_type": "string", "properties": ["read"]},
            ],
        }
    ],
}
LIGHT_PARAMS = {"Light": {"Power": False, "Brightness": 10, "Name": "Light"}}


def unique_email(prefix: str = "user") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}@nodeshare.test"


def unique_node_id(prefix: str = "node") -> str:
    # Alphanumeric: esp-rainmaker-cli's sharing commands refuse ids with '-' or '_'.
    return f"{prefix}{uuid.uuid4().hex[:12]}"


@dataclass
class Caller:
    """An authenticated (or anonymous) caller of the API."""

    base_url: str
    token: str | None = None
    user_id: str | None = None
    user_name: str | None = None
    refresh_token: str | None = None
    id_token: str | None = None

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        if self.token and "Authorization" not in headers:
            headers["Authorization"] = self.token
        return requests.request(method, self.base_url + path, headers=headers, timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)


class Api:
    """Factories over one running stack."""

    def __init__(self, base_url: str, admin_user_name: str, admin_password: str) -> None:
        self.base_url = base_url
        self.anonymous = Caller(base_url)
        self.operator = self.log_in(admin_user_name, admin_password)

    def log_in(self, user_name: str, password: str = PASSWORD) -> Caller:
        response = requests.post(
            self.base_url + "/v1/login2", json={"user_name": user_name, "password": password}, timeout=30
        )
        assert response.status_code == 200, response.text
        tokens = response.json()
        caller = Caller(
            self.base_url,
            token=tokens["accesstoken"],
            user_name=user_name,
            refresh_token=tokens["refreshtoken"],
            id_token=tokens["idtoken"],
        )
        caller.user_id = caller.get("/v1/user").json()["user_id"]
        return caller

    def user(self, prefix: str = "user") -> Caller:
        user_name = unique_email(prefix)
        response = self.anonymous.post("/v1/user", json={"user_name": user_name, "password": PASSWORD})
        assert response.status_code == 200, response.text
        return self.log_in(user_name)

    def node(self, node_id: str | None = None, secret: str = "thing-secret-1", **fields: Any) -> str:
        node_id = node_id or unique_node_id()
        body = {
            "node_id": node_id,
            "name": "Light",
            "type": "Lightbulb",
            "secret": secret,
            "config": LIGHT_CONFIG,
            "params": LIGHT_PARAMS,
            **fields,
        }
        response = self.operator.post("/v1/admin/nodes", json=body)
        assert response.status_code == 201, response.text
        return node_id

    def admin_view(self, node_id: str) -> dict[str, Any]:
        """The node as operators see it."""
        response = self.operator.get(f"/v1/admin/nodes?node_id={node_id}&withScopes=true")
        assert response.status_code == 200, response.text
        return response.json()["nodes"][0]

    def claim(self, caller: Caller, node_id: str, secret: str = "thing-secret-1") -> requests.Response:
        return caller.post(
            f"/v1/things/{node_id}/ownership", json={"userID": caller.user_id, "thingPassword": secret}
        )

    def thing(self, node_id: str, secret: str = "thing-secret-1") -> Caller:
        """The node itself, with a thing token exchanged for its password (issue 9)."""
        response = self.anonymous.post(f"/v1/things/{node_id}/token", json={"thingPassword": secret})
        assert response.status_code == 200, response.text
        return Caller(self.base_url, token=f"Bearer {response.json()['access_token']}")

    def release(self, owner: Caller, node_id: str) -> None:
        """The primary lets go of the node (a new epoch; nobody owns it)."""
        body = {"node_id": node_id, "secret_key": "", "operation": "remove"}
        response = owner.put("/v1/user/nodes/mapping", json=body)
        assert response.status_code == 200, response.text

    def reclaim(self, new_owner: Caller, node_id: str, *, released_by: Caller) -> requests.Response:
        """A new primary (or the same one again) under a new epoch: only a node nobody owns may be
        claimed, so its primary releases it first."""
        self.release(released_by, node_id)
        return self.claim(new_owner, node_id)

    def owned_node(self, caller: Caller) -> str:
        node_id = self.node()
        response = self.claim(caller, node_id)
        assert response.status_code == 204, response.text
        return node_id
