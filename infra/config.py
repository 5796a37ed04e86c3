"""The deployment's settings, read once from cdk.json's context (or `cdk deploy -c key=value`) into
one typed object that every construct is handed. Nothing else in `infra/` reads the context but
`infra/identity.py`, for its SES sender (`ses_from_email`, `ses_region`, `ses_verified_domain`).

With no context at all the stack is what it always was: a production stage that keeps its tables,
user pool and signing key when the stack is deleted, function logs kept a month and access logs
three, the stage throttled to 100 requests/s (burst 200), Powertools logging at INFO.

| context key | default | what it sets |
|---|---|---|
| `stage` | `prod` | `dev`: tables, user pool, signing key deleted with the stack, unprotected |
| `log_retention_days` | 30 | the functions' log group |
| `access_log_retention_days` | 90 | the API's access log group |
| `throttle_rate`, `throttle_burst` | 100, 200 | the stage's default route throttle (requests/s) |
| `log_level` | `INFO` | `POWERTOOLS_LOG_LEVEL` of every function |
| `alarm_email` | none | an e-mail subscription to the alarm topic (`infra/monitoring.py`) |
| `metrics_namespace` | `nodeshare` | the business counts' CloudWatch namespace (Powertools') |
| `defaultNodeScope` | `all` | the scope of a node registered without any (`domain.scopes`) |
| `snap_start` | `false` | `true`: route functions start from SnapStart snapshots (README: its cost) |

A value CDK's `-c` passes as a string ("7") is read as the number it spells; anything out of range
stops the synth with the key's name, never falling back to a default. Without `throttle_burst`, the
burst is 200 or the rate, whichever is higher.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aws_cdk import RemovalPolicy
from aws_cdk import aws_logs as logs
from constructs import Construct
from nodeshare.settings import DEFAULT_NODE_SCOPES

LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
KEYS = (
    "stage",
    "log_retention_days",
    "access_log_retention_days",
    "throttle_rate",
    "throttle_burst",
    "log_level",
    "alarm_email",
    "metrics_namespace",
    "defaultNodeScope",
    "snap_start",
)
# CloudWatch's own rule for a namespace: printable ASCII, at most 255, not starting with "AWS/".
_NAMESPACE = re.compile(r"^(?!AWS/)[0-9A-Za-z.\-_/#:]{1,255}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# The retentions CloudWatch Logs accepts, in days (CDK's enum names them, by name only).
RETENTIONS = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


class Stage(StrEnum):
    PROD = "prod"
    DEV = "dev"


@dataclass(frozen=True)
class StageConfig:
    stage: Stage = Stage.PROD
    function_log_retention_days: int = 30
    access_log_retention_days: int = 90
    throttle_rate: int = 100
    throttle_burst: int = 200
    log_level: str = "INFO"
    alarm_email: str | None = None
    metrics_namespace: str = "nodeshare"
    default_node_scope: str = DEFAULT_NODE_SCOPES[0]
    snap_start: bool = False

    @property
    def removal_policy(self) -> RemovalPolicy:
        """What deleting the stack does to its data (tables, user pool, signing key): a dev stack
        takes them with it, any other keeps them."""
        return RemovalPolicy.DESTROY if self.stage is Stage.DEV else RemovalPolicy.RETAIN

    @property
    def deletion_protection(self) -> bool:
        """Deletion protection on tables and the user pool: off for a dev stack only."""
        return self.stage is not Stage.DEV

    @property
    def function_log_retention(self) -> logs.RetentionDays:
        return RETENTIONS[self.function_log_retention_days]

    @property
    def access_log_retention(self) -> logs.RetentionDays:
        return RETENTIONS[self.access_log_retention_days]

    @classmethod
    def of(cls, scope: Construct) -> StageConfig:
        """The settings in `scope`'s context (cdk.json, `-c`)."""
        return cls.parse({key: scope.node.try_get_context(key) for key in KEYS})

    @classmethod
    def parse(cls, context: Mapping[str, Any]) -> StageConfig:
        """The settings named in `context` (missing or None: the default); ValueError naming the
        key for a value out of range."""
        given = {key: value for key, value in context.items() if value is not None and value != ""}
        unknown = set(given) - set(KEYS)
        if unknown:
            raise ValueError(f"unknown stage settings: {', '.join(sorted(unknown))}")
        default = cls()
        throttle_rate = _int(given, "throttle_rate", default.throttle_rate, low=1)
        return cls(
            stage=_choice(given, "stage", default.stage, tuple(Stage)),  # type: ignore[arg-type]
            function_log_retention_days=_retention(
                given, "log_retention_days", default.function_log_retention_days
            ),
            access_log_retention_days=_retention(
                given, "access_log_retention_days", default.access_log_retention_days
            ),
            throttle_rate=throttle_rate,
            throttle_burst=_int(given, "throttle_burst", max(default.throttle_burst, throttle_rate), low=1),
            log_level=_choice(given, "log_level", default.log_level, LOG_LEVELS, upper=True),
            alarm_email=_matching(given, "alarm_email", None, _EMAIL),
            metrics_namespace=_matching(given, "metrics_namespace", default.metrics_namespace, _NAMESPACE)
            or default.metrics_namespace,
            default_node_scope=_choice(
                given, "defaultNodeScope", default.default_node_scope, DEFAULT_NODE_SCOPES
            ),
            snap_start=_flag(given, "snap_start", default.snap_start),
        )


def _int(given: Mapping[str, Any], key: str, default: int, *, low: int) -> int:
    value = given.get(key, default)
    try:
        number = int(str(value))
    except ValueError:
        raise ValueError(f"{key} must be an integer, not {value!r}") from None
    if number < low:
        raise ValueError(f"{key} must be at least {low}, not {number}")
    return number


def _choice(
    given: Mapping[str, Any], key: str, default: str, allowed: tuple[str, ...], *, upper: bool = False
) -> str:
    value = str(given.get(key, default))
    value = value.upper() if upper else value
    if value not in allowed:
        raise ValueError(f"{key} must be one of {', '.join(allowed)}, not {value!r}")
    return next(choice for choice in allowed if choice == value)  # the enum member, if one


def _flag(given: Mapping[str, Any], key: str, default: bool) -> bool:
    """A JSON boolean (cdk.json), or "true" / "false" as `-c key=value` passes it."""
    value = given.get(key, default)
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "false"):
        return str(value).lower() == "true"
    raise ValueError(f"{key} must be true or false, not {value!r}")


def _retention(given: Mapping[str, Any], key: str, default: int) -> int:
    days = _int(given, key, default, low=1)
    if days not in RETENTIONS:
        allowed = ", ".join(str(item) for item in RETENTIONS)
        raise ValueError(f"{key} must be one of CloudWatch's retentions ({allowed}), not {days}")
    return days


def _matching(
    given: Mapping[str, Any], key: str, default: str | None, pattern: re.Pattern[str]
) -> str | None:
    value = given.get(key, default)
    if value is None:
        return None
    if not pattern.match(str(value)):
        raise ValueError(f"{key} is not valid: {value!r}")
    return str(value)
