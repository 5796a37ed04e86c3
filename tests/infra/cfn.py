"""Small readers for the synthesized CloudFormation template (a plain dict).

They resolve the links CDK writes between resources (`Ref`, `Fn::GetAtt`, the integration target
of a route, a policy's roles) so tests can speak in the project's own terms: route operations and
logical table names rather than hashed logical ids.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from nodeshare.routes import Route
from nodeshare.store.models import TABLES

Template = dict[str, Any]
Resource = dict[str, Any]


def resources_of_type(template: Template, resource_type: str) -> dict[str, Resource]:
    """Every resource of `resource_type`, by logical id."""
    return {
        logical_id: resource
        for logical_id, resource in template["Resources"].items()
        if resource["Type"] == resource_type
    }


def only_resource(template: Template, resource_type: str) -> tuple[str, Resource]:
    """The single resource of `resource_type` (fails if there are none or several)."""
    found = resources_of_type(template, resource_type)
    assert len(found) == 1, f"expected exactly one {resource_type}, found {sorted(found)}"
    return next(iter(found.items()))


def ref(value: Any) -> str | None:
    """The logical id of `{"Ref": id}`, else None."""
    if isinstance(value, dict) and set(value) == {"Ref"}:
        return str(value["Ref"])
    return None


def get_att(value: Any) -> tuple[str, str] | None:
    """`(logical id, attribute)` of `{"Fn::GetAtt": [id, attribute]}`, else None."""
    if isinstance(value, dict) and set(value) == {"Fn::GetAtt"}:
        logical_id, attribute = value["Fn::GetAtt"]
        return str(logical_id), str(attribute)
    return None


def as_list(value: Any) -> list[Any]:
    """IAM allows a single value where a list is expected; normalise to a list."""
    return value if isinstance(value, list) else [value]


def table_ids(template: Template) -> dict[str, str]:
    """Logical table name (`TableDefinition.name`) -> the table's logical id (`Tables<Name><hash>`)."""
    tables = resources_of_type(template, "AWS::DynamoDB::Table")
    ids = {}
    for definition in TABLES:
        pattern = re.compile(rf"^Tables{definition.name.capitalize()}[0-9A-F]{{8}}$")
        matches = [logical_id for logical_id in tables if pattern.match(logical_id)]
        assert len(matches) == 1, f"table {definition.name!r}: expected one resource, found {matches}"
        ids[definition.name] = matches[0]
    return ids


def route_key(route: Route) -> str:
    return f"{route.method} {route.path}"


def api_routes(template: Template) -> dict[str, Resource]:
    """API Gateway routes by RouteKey."""
    routes = resources_of_type(template, "AWS::ApiGatewayV2::Route")
    return {resource["Properties"]["RouteKey"]: resource for resource in routes.values()}


def function_of_route(template: Template, route: Route) -> str:
    """The logical id of the Lambda function that the API route for `route` invokes."""
    target = api_routes(template)[route_key(route)]["Properties"]["Target"]
    prefix, integration_ref = target["Fn::Join"][1]
    assert prefix == "integrations/", target
    integration_id = ref(integration_ref)
    assert integration_id is not None, target
    integration = template["Resources"][integration_id]
    assert integration["Type"] == "AWS::ApiGatewayV2::Integration", integration_id
    assert integration["Properties"]["IntegrationType"] == "AWS_PROXY", integration
    uri = get_att(integration["Properties"]["IntegrationUri"])
    assert uri is not None and uri[1] == "Arn", integration
    assert template["Resources"][uri[0]]["Type"] == "AWS::Lambda::Function", uri
    return uri[0]


def role_of_function(template: Template, function_id: str) -> str:
    role = get_att(template["Resources"][function_id]["Properties"]["Role"])
    assert role is not None and role[1] == "Arn", function_id
    return role[0]


def statements_of_role(template: Template, role_id: str) -> list[dict[str, Any]]:
    """Every statement that applies to `role_id`: its inline policies and every AWS::IAM::Policy
    attached to it through `Roles: [{"Ref": role}]`."""
    statements: list[dict[str, Any]] = []
    role = template["Resources"][role_id]["Properties"]
    for inline in role.get("Policies", []):
        statements.extend(inline["PolicyDocument"]["Statement"])
    for policy in resources_of_type(template, "AWS::IAM::Policy").values():
        if role_id in {ref(item) for item in policy["Properties"].get("Roles", [])}:
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


@dataclass(frozen=True)
class Grant:
    """One allowed action on one resource, the resource named in project terms:
    `table:<name>`, `index:<name>` (its GSIs), `stream:<name>`, `user_pool`, `thing_key`, `queue:<id>`,
    or `other:<json>` for anything unrecognised."""

    action: str
    target: str


def describe_resource(template: Template, resource: Any) -> str:
    tables_by_id = {logical_id: name for name, logical_id in table_ids(template).items()}
    attribute = get_att(resource)
    if attribute is not None:
        logical_id, name = attribute
        kind = template["Resources"].get(logical_id, {}).get("Type")
        if logical_id in tables_by_id and name == "Arn":
            return f"table:{tables_by_id[logical_id]}"
        if logical_id in tables_by_id and name == "StreamArn":
            return f"stream:{tables_by_id[logical_id]}"
        if kind == "AWS::Cognito::UserPool" and name == "Arn":
            return "user_pool"
        if kind == "AWS::SQS::Queue" and name == "Arn":
            return f"queue:{logical_id}"
        if kind == "AWS::KMS::Key" and name == "Arn":
            return "thing_key"
    if isinstance(resource, dict) and set(resource) == {"Fn::Join"}:
        separator, parts = resource["Fn::Join"]
        if separator == "" and len(parts) == 2 and parts[1] == "/index/*":
            base = describe_resource(template, parts[0])
            if base.startswith("table:"):
                return f"index:{base.removeprefix('table:')}"
    return f"other:{json.dumps(resource, sort_keys=True)}"


def grants_of_function(template: Template, function_id: str) -> set[Grant]:
    """Every (action, resource) the function's role allows, with table ARNs resolved to table names.

    Fails on anything that would make such a flat view wrong: Deny, NotAction/NotResource or
    conditions (none of which the stack uses for function roles)."""
    grants = set()
    for statement in statements_of_role(template, role_of_function(template, function_id)):
        assert statement["Effect"] == "Allow", statement
        assert not {"NotAction", "NotResource", "Condition"} & set(statement), statement
        for action in as_list(statement["Action"]):
            for resource in as_list(statement["Resource"]):
                grants.add(Grant(action, describe_resource(template, resource)))
    return grants


NESTED_STACK = "AWS::CloudFormation::Stack"


def _substitute(value: Any, parameters: dict[str, Any]) -> Any:
    """`value` with every `{"Ref": <parameter>}` replaced by what the parent passes that parameter."""
    if isinstance(value, dict):
        name = ref(value)
        if name is not None and name in parameters:
            return parameters[name]
        if "Fn::Sub" in value:
            assert not any(f"${{{name}}}" in json.dumps(value) for name in parameters), value
        return {key: _substitute(item, parameters) for key, item in value.items()}
    if isinstance(value, list):
        return [_substitute(item, parameters) for item in value]
    return value


def flatten(parent: Template, nested: dict[str, Template]) -> Template:
    """One template holding the parent's resources and those of every nested stack (`nested`: the
    nested template of each AWS::CloudFormation::Stack resource of the parent, by its logical id),
    with each nested stack's parameters replaced by the values the parent passes it. A function's
    policy in a nested stack then names a table by the table's own logical id, as it would if the
    function were in the parent, so the readers above work unchanged.

    Fails if a nested stack declares a parameter the parent does not pass (or the reverse), or if
    two templates use the same logical id."""
    flat: Template = {**parent, "Resources": dict(parent["Resources"])}
    for stack_id, template in nested.items():
        passed = parent["Resources"][stack_id]["Properties"].get("Parameters", {})
        assert set(passed) == set(template.get("Parameters", {})), stack_id
        for logical_id, resource in template["Resources"].items():
            assert logical_id not in flat["Resources"], f"{logical_id} is in {stack_id} and elsewhere"
            flat["Resources"][logical_id] = _substitute(resource, passed)
    return flat
