"""Small typed readers for settings that come from the environment."""

import json
import os

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.strip().lower() in TRUE:
        return True
    if value.strip().lower() in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be an integer, got {value!r}") from None


def envfloat(name: str, default: float) -> float:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return float(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a number, got {value!r}") from None


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def envjson(name: str, default: dict) -> dict:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        parsed = json.loads(value)
    except ValueError as error:
        raise ImproperlyConfigured(f"{name} must be a JSON object: {error}") from None
    if not isinstance(parsed, dict):
        raise ImproperlyConfigured(f"{name} must be a JSON object, got {value!r}")
    return parsed


def envrequired(name: str, *, debug: bool, dev_default: str) -> str:
    """A value that production must set; DEBUG alone may fall back to a development default."""
    value = os.environ.get(name)
    if value:
        return value
    if debug:
        return dev_default
    raise ImproperlyConfigured(
        f"{name} must be set when DEBUG is off (for local development, set DEBUG=1)."
    )
