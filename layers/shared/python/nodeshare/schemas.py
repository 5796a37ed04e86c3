"""JSON Schemas of request bodies: the first line of defence against bad input (-> 400).

Limits here are the API's: ids and names are bounded strings, lists hold at most 100 entries.
"""

from __future__ import annotations

from typing import Any

from nodeshare.domain import resource_ids
from nodeshare.domain.params import DATA_TYPES

MAX_NODES = 100
NODE_ID = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_.:-]+$"}
NODE_IDS = {"type": "array", "minItems": 1, "maxItems": MAX_NODES, "items": NODE_ID}
NAME = {"type": "string", "minLength": 1, "maxLength": 128}
TAG = {"type": "string", "minLength": 1, "maxLength": 128}
EMAIL = {"type": "string", "minLength": 3, "maxLength": 254, "pattern": "^[^@\\s]+@[^@\\s]+$"}
PASSWORD = {"type": "string", "minLength": 1, "maxLength": 256}
ID = {"type": "string", "minLength": 1, "maxLength": 128}
# Scope entries: user ids, project ids, `all`, each bare or prefixed with + or - (the grammar,
# `domain.scopes`); a project is named by a project id (24 letters and digits) or `all`.
SCOPE_USERS = {
    "type": "array",
    "maxItems": 100,
    "items": {"type": "string", "minLength": 1, "maxLength": 129},
}
SCOPE_PROJECTS = {
    "type": "array",
    "maxItems": 100,
    "items": {"type": "string", "pattern": "^[+-]?(all|[A-Za-z0-9]{24})$"},
}
NUMBER = {"type": "number"}  # never a boolean (JSON Schema's number is not)

PARAMS_PAYLOAD: dict[str, Any] = {
    "type": "object",
    "maxProperties": 50,
    "propertyNames": {"maxLength": 64},
    "additionalProperties": {"type": "object", "maxProperties": 100, "propertyNames": {"maxLength": 64}},
}

# A node's config (and its first params) must also be storable: `params.check_config`.
PARAM_DEFINITION = {
    "type": "object",
    "required": ["name", "data_type"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 64},
        "type": {"type": "string", "maxLength": 128},
        "data_type": {"enum": list(DATA_TYPES)},
        "properties": {"type": "array", "maxItems": 10, "items": {"type": "string", "maxLength": 32}},
        "bounds": {"type": "object", "properties": {"min": NUMBER, "max": NUMBER, "step": NUMBER}},
        "valid_strs": {"type": "array", "maxItems": 100},
        "ui_type": {"type": "string", "maxLength": 128},
    },
}
ENTITY = {
    "type": "object",
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1, "maxLength": 64},
        "type": {"type": "string", "maxLength": 128},
        "params": {"type": "array", "maxItems": 100, "items": PARAM_DEFINITION},
    },
}
# A Symphony action a node declares: a named params write (`domain.actions`).
ACTION_ID = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_.-]+$"}
NODE_ACTION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["action_id", "name", "params"],
    "properties": {"action_id": ACTION_ID, "name": NAME, "params": PARAMS_PAYLOAD},
}
NODE_CONFIG = {
    "type": "object",
    "required": ["info", "devices"],
    "properties": {
        "node_id": {"type": "string"},
        "config_version": {"type": "string"},
        "info": {"type": "object"},
        "devices": {"type": "array", "maxItems": 50, "items": ENTITY},
        "services": {"type": "array", "maxItems": 50, "items": ENTITY},
        "actions": {"type": "array", "maxItems": 50, "items": NODE_ACTION},
    },
}

SCOPES = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"users": SCOPE_USERS, "projects": SCOPE_PROJECTS},
}
# EVRYTHNG products: ids of 24 characters of the seed's alphabet (`domain.resource_ids`)
PRODUCT_ID = {"type": "string", "pattern": resource_ids.PATTERN}

REGISTER_NODE: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["node_id", "name", "type", "secret", "config"],
    "properties": {
        "node_id": NODE_ID,
        "name": NAME,
        "type": {"type": "string", "minLength": 1, "maxLength": 128},
        "secret": {"type": "string", "minLength": 8, "maxLength": 256},
        "config": NODE_CONFIG,
        "params": PARAMS_PAYLOAD,
        "tags": {"type": "array", "maxItems": 50, "items": NAME},
        "scopes": SCOPES,
        "product": {"anyOf": [PRODUCT_ID, {"type": "null"}]},  # the node's product; null: none
    },
}

# An operator's change of a node: any of registration's fields but its id, at least one.
OPERATOR_UPDATE_NODE = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {name: schema for name, schema in REGISTER_NODE["properties"].items() if name != "node_id"},
}

CLAIM_NODE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["thingPassword"],
    "properties": {"userID": ID, "groupID": ID, "thingPassword": PASSWORD},
    "oneOf": [{"required": ["userID"]}, {"required": ["groupID"]}],
}
# A PIN of a Kii ownership flow (`domain.ownership`): six digits.
PIN_CODE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["code"],
    "properties": {"code": {"type": "string", "pattern": "^[0-9]{6}$"}},
}

THING_TOKEN = {
    "type": "object",
    "additionalProperties": False,
    "required": ["thingPassword"],
    "properties": {"thingPassword": PASSWORD},
}
THING_MAPPING = {
    "type": "object",
    "additionalProperties": False,
    "required": ["user_id", "secret_key"],
    "properties": {"user_id": ID, "secret_key": {"type": "string", "minLength": 1, "maxLength": 256}},
}
CONNECTIVITY = {
    "type": "object",
    "additionalProperties": False,
    "required": ["connected"],
    "properties": {"connected": {"type": "boolean"}},
}

LOGIN = {
    "type": "object",
    "properties": {
        "user_name": EMAIL,
        "password": PASSWORD,
        "refreshtoken": {"type": "string", "minLength": 1, "maxLength": 8192},
    },
    "oneOf": [{"required": ["user_name", "password"]}, {"required": ["refreshtoken"]}],
}

SIGN_UP = {
    "type": "object",
    "properties": {
        "user_name": EMAIL,
        "password": PASSWORD,
        "verification_code": {"type": "string", "minLength": 1, "maxLength": 64},
    },
    "required": ["user_name"],
    "oneOf": [{"required": ["password"]}, {"required": ["verification_code"]}],
}

# esp-rainmaker-cli's `forgotpassword` sends all three keys, null in its first call.
FORGOT_PASSWORD = {
    "type": "object",
    "additionalProperties": False,
    "required": ["user_name"],
    "properties": {
        "user_name": EMAIL,
        "password": {"anyOf": [PASSWORD, {"type": "null"}]},
        "verification_code": {
            "anyOf": [{"type": "string", "minLength": 1, "maxLength": 64}, {"type": "null"}]
        },
    },
}

SET_PARAMS_BATCH = {
    "type": "array",
    "minItems": 1,
    "maxItems": MAX_NODES,
    "items": {
        "type": "object",
        "required": ["node_id", "payload"],
        "properties": {"node_id": NODE_ID, "payload": PARAMS_PAYLOAD},
    },
}
SET_PARAMS = {"anyOf": [SET_PARAMS_BATCH, PARAMS_PAYLOAD]}

NODE_MAPPING = {
    "type": "object",
    "required": ["node_id", "operation"],
    "properties": {
        "node_id": NODE_ID,
        "user_id": ID,
        "secret_key": {"type": "string", "maxLength": 256},
        "operation": {"enum": ["add", "remove"]},
    },
}

SHARE_NODES = {
    "type": "object",
    "required": ["nodes", "user_name"],
    "properties": {
        "nodes": NODE_IDS,
        "user_name": EMAIL,
        "primary": {"type": "boolean"},
        "transfer": {"type": "boolean"},
        "new_role": {"type": "string", "maxLength": 16},
        "sub_role": {"type": "integer", "minimum": 1, "maximum": 4},  # RainMaker's sub-roles 1-4
        "metadata": {"type": "object", "maxProperties": 50},
    },
}
ANSWER_SHARE_REQUEST = {
    "type": "object",
    "additionalProperties": False,
    "required": ["accept", "request_id"],
    "properties": {"accept": {"type": "boolean"}, "request_id": ID},
}
# One explicit rule tells the two bodies of PUT …/sharing/requests apart: `accept` answers a
# request (and nothing else may come with it), `nodes` creates one; a body mixing them is a 400.
CREATE_SHARE_REQUEST = {
    **SHARE_NODES,
    "not": {"anyOf": [{"required": ["accept"]}, {"required": ["request_id"]}]},
}
UPDATE_SHARE_REQUEST = {"oneOf": [ANSWER_SHARE_REQUEST, CREATE_SHARE_REQUEST]}

GROUP_ID = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9_.:-]+$"}
DESCRIPTION = {"type": "string", "maxLength": 1024}
CREATE_USER_GROUP = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {"name": NAME, "description": DESCRIPTION},
}
UPDATE_USER_GROUP = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": {"name": NAME, "description": DESCRIPTION},
}
EMAILS = {"type": "array", "maxItems": MAX_NODES, "items": EMAIL}
# EVRYTHNG projects: ids of 24 letters and digits (`domain.projects`)
PROJECT_ID = {"type": "string", "pattern": "^[A-Za-z0-9]{24}$"}
PREFIXED_ID = {"type": "string", "minLength": 1, "maxLength": 129}
CREATE_PROJECT = CREATE_USER_GROUP
UPDATE_PROJECT = UPDATE_USER_GROUP
SET_PROJECT_USERS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["users"],
    # user ids, each bare or prefixed with + or - (the scope grammar)
    "properties": {"users": {"type": "array", "maxItems": 100, "items": PREFIXED_ID}},
}
PRODUCT_FIELDS = {
    "name": NAME,
    "description": DESCRIPTION,
    # and storable: `stored_json.check_storable` (8 KB, 8 levels)
    "properties": {
        "type": "object",
        "maxProperties": 100,
        "propertyNames": {"minLength": 1, "maxLength": 64},
    },
    "scopes": SCOPES,
}
CREATE_PRODUCT = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": PRODUCT_FIELDS,
}
UPDATE_PRODUCT = {
    "type": "object",
    "additionalProperties": False,
    "minProperties": 1,
    "properties": PRODUCT_FIELDS,
}
SET_GROUP_USERS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["users"],
    "properties": {"users": EMAILS, "operation": {"enum": ["add", "remove"]}, "managers": EMAILS},
}

PERMISSION = {"enum": ["dr", "r", "rw", "rwp", "d/r", "r/w", "r/w/p"]}
# One subject (`user_name` or `user_group`) and one target (`node_id` or `node_group`).
SET_PERMISSION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["permission"],
    "properties": {
        "user_name": EMAIL,
        "user_group": GROUP_ID,
        "node_id": NODE_ID,
        "node_group": GROUP_ID,
        "permission": PERMISSION,
    },
    "allOf": [
        {"oneOf": [{"required": ["user_name"]}, {"required": ["user_group"]}]},
        {"oneOf": [{"required": ["node_id"]}, {"required": ["node_group"]}]},
    ],
}
NODE_GROUP_NODES = {"type": "array", "maxItems": 99, "items": NODE_ID}
NODE_GROUP_FIELDS = {
    "group_name": NAME,
    "description": DESCRIPTION,
    "custom_data": {"type": "object"},  # and storable: `stored_json.check_storable`
    "mutually_exclusive": {"type": "boolean"},
    "type": {"type": "string", "maxLength": 128},
    "parent_group_id": GROUP_ID,
    "nodes": NODE_GROUP_NODES,
}
CREATE_NODE_GROUP = {
    "type": "object",
    "additionalProperties": False,
    "required": ["group_name"],
    "properties": {**NODE_GROUP_FIELDS, "is_matter": {"type": "boolean"}, "tag": TAG},
}
EDIT_NODE_GROUP = {
    "type": "object",
    "additionalProperties": False,
    "properties": {**NODE_GROUP_FIELDS, "operation": {"enum": ["add", "remove"]}},
}
# PUT /v1/user/node_group/sharing (esp-rainmaker-cli `group sharing add`): up to 10 groups, as the
# CLI says. `user_name` is left out by the CLI's "self-sharing": the use case refuses that with
# its own description. `metadata` must also be storable (`stored_json.check_storable`).
MAX_SHARED_GROUPS = 10
GROUP_IDS = {"type": "array", "minItems": 1, "maxItems": MAX_SHARED_GROUPS, "items": GROUP_ID}
SHARE_NODE_GROUPS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["groups"],
    "properties": {
        "groups": GROUP_IDS,
        "user_name": EMAIL,
        "primary": {"type": "boolean"},
        "sub_role": {"type": "integer", "minimum": 1, "maximum": 4},  # RainMaker's sub-roles 1-4
        "metadata": {"type": "object"},
        "transfer": {"type": "boolean"},
        "new_role": {"type": "string", "maxLength": 16},
    },
}

# PUT /v1/user/nodes?node_id= (esp-rainmaker-cli `node add-tags`, `set-metadata`,
# `delete-metadata`): tags to add and / or a metadata patch (null: delete all metadata). What the
# metadata may hold is `domain.stored_json.check_storable`'s to say (deeper than a schema can).
TAGS = {"type": "array", "minItems": 1, "maxItems": 50, "items": TAG}
UPDATE_NODE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"tags": TAGS, "metadata": {"type": ["object", "null"]}},
    "anyOf": [{"required": ["tags"]}, {"required": ["metadata"]}],
}
# DELETE /v1/user/nodes?node_id= with a body (esp-rainmaker-cli `node remove-tags`).
REMOVE_NODE_TAGS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["tags"],
    "properties": {"tags": TAGS},
}

# POST /v1/user/permission_requests: nodeshare's `{nodes, permission}`, or BuildingDepot's
# `{"data": {"target_sensors", "permission", "timestamp"}}` (its timestamp is the client's and is
# not kept: nodeshare stamps the request itself). `if` / `then` / `else` rather than `oneOf`, so a
# bad body is told what is wrong with the form it used.
REQUEST_PERMISSION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["nodes", "permission"],
    "properties": {"nodes": NODE_IDS, "permission": PERMISSION},
}
BUILDINGDEPOT_REQUEST_PERMISSION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["data"],
    "properties": {
        "data": {
            "type": "object",
            "additionalProperties": False,
            "required": ["target_sensors", "permission"],
            "properties": {
                "target_sensors": NODE_IDS,
                "permission": PERMISSION,
                "timestamp": {"type": ["string", "integer"], "maxLength": 32},
            },
        }
    },
}
CREATE_PERMISSION_REQUESTS = {
    "if": {"required": ["data"]},
    "then": BUILDINGDEPOT_REQUEST_PERMISSION,
    "else": REQUEST_PERMISSION,
}
# PUT /v1/user/permission_requests: the approver accepts (at the level asked for, or the lower
# `permission`) or declines (no `permission` then).
ANSWER_PERMISSION_REQUEST = {
    "type": "object",
    "additionalProperties": False,
    "required": ["request_id", "accept"],
    "properties": {"request_id": ID, "accept": {"type": "boolean"}, "permission": PERMISSION},
    "if": {"properties": {"accept": {"const": False}}},
    "then": {"properties": {"permission": False}},
}

# Symphony roles (seed 002): POST /v1/user/roles and PUT /v1/user/roles/{role_id}.
ROLE_NAME = {
    "type": "object",
    "additionalProperties": False,
    "required": ["roleName"],
    "properties": {"roleName": NAME},
}
# POST /v1/user/roles/{role_id}/permissions: exactly one of thingId / actionId (checked by the
# domain with its own message), a policy, and `additional` (its `term` checked by `domain.terms`).
ROLE_PERMISSION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["policy"],
    "properties": {
        "thingId": {"anyOf": [NODE_ID, {"type": "null"}]},
        "actionId": {
            "anyOf": [
                {"type": "string", "maxLength": 129, "pattern": "^[A-Za-z0-9_.:-]+/[A-Za-z0-9_.-]+$"},
                {"type": "null"},
            ]
        },
        "policy": {"enum": ["DeviceFullAccess", "ArchiveFullAccess", "ArchiveReadWrite", "ArchiveReadOnly"]},
        "additional": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                # A list of entries; one entry alone, as the seed's Java example sends it, is
                # taken as a list of one (`domain.roles`).
                "term": {"type": ["array", "object"]},
                "location": {"type": "array"},
                "number": {"type": "array"},
            },
        },
    },
}
ROLE_ID = {"type": "string", "minLength": 1, "maxLength": 64, "pattern": "^[A-Za-z0-9-]+$"}
# PUT /v1/user/share_users/roles (Symphony setShareUserRoles): replaces; [] clears.
SHARE_USER_ROLES = {
    "type": "object",
    "additionalProperties": False,
    "required": ["user_name", "roleIds"],
    "properties": {"user_name": EMAIL, "roleIds": {"type": "array", "maxItems": 10, "items": ROLE_ID}},
}
# POST /v1/user/nodes/actions: run one of the node's actions.
RUN_ACTION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["node_id", "action_id"],
    "properties": {"node_id": NODE_ID, "action_id": ACTION_ID},
}

# PUT /v1/user/nodes/params/history?node_id=: a correction record, params as a params write's
# payload (checked against the node's config by `domain.params`), at a time in milliseconds.
PARAMS_CORRECTION = {
    "type": "object",
    "additionalProperties": False,
    "required": ["timestamp", "params"],
    "properties": {"timestamp": {"type": "integer", "minimum": 0}, "params": PARAMS_PAYLOAD},
}
