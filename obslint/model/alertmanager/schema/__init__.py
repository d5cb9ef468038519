"""The Alertmanager configuration as each release accepts it: pydantic models per concern (HTTP client
config, each integration, routes and time intervals, the top level and `global:`), the release that loads
a configuration, and a validator that reports problems with the exact key position."""

from obslint.model.alertmanager.schema.base import DESCRIBED_UNTIL, OLDEST, AMVersion
from obslint.model.alertmanager.schema.validate import INVALID, MISSING, TOO_NEW, UNKNOWN, SchemaProblem, validate, vstr
from obslint.model.alertmanager.schema.versions import KPS_ALERTMANAGER, Release, from_tag, release_of

__all__ = [
    "DESCRIBED_UNTIL",
    "INVALID",
    "KPS_ALERTMANAGER",
    "MISSING",
    "OLDEST",
    "TOO_NEW",
    "UNKNOWN",
    "AMVersion",
    "Release",
    "SchemaProblem",
    "from_tag",
    "release_of",
    "validate",
    "vstr",
]
