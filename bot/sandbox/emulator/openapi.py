"""Request bodies validated against Discord's own OpenAPI description (when it is present).

The spec is looked up in ``$RALLY_DISCORD_OPENAPI`` or
``<repo>/../shared/discord-api-spec/openapi.json``.
When it is absent this layer is skipped silently.
"""

from __future__ import annotations

import bisect
import functools
import json
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .limits import ApiError, FormErrors

_URN = "urn:discord-openapi"


def default_spec_path() -> Path | None:
    env = os.environ.get("RALLY_DISCORD_OPENAPI")
    if env:
        path = Path(env)
        return path if path.is_file() else None
    repo_root = Path(__file__).resolve().parents[3]
    candidate = repo_root.parent / "shared" / "discord-api-spec" / "openapi.json"
    return candidate if candidate.is_file() else None


class OpenApiValidator:
    """Validates JSON request bodies of (method, path template) against the spec."""

    def __init__(self, spec_path: Path) -> None:
        self.spec_path = spec_path
        self._spec, self._registry = _load(str(spec_path))
        self._templates: list[tuple[re.Pattern[str], str]] = [
            (re.compile("^" + re.sub(r"\{[^/]+\}", "[^/]+", p) + "$"), p)
            for p in self._spec["paths"]
        ]
        self._validators: dict[tuple[str, str], Any] = {}
        self._passed: set[tuple[str, str, Any]] = set()
        self._bounds = sorted(_length_bounds(self._spec))

    def _shape(self, value: Any) -> Any:
        """What the schema can tell apart: structure, short strings and numbers verbatim, long
        strings only by where their length falls among the spec's min/max lengths."""
        if isinstance(value, dict):
            return tuple(sorted((k, self._shape(v)) for k, v in value.items()))
        if isinstance(value, list):
            return ("[", *(self._shape(v) for v in value))
        if isinstance(value, str) and len(value) > 32:
            n = len(value)
            return ("s", bisect.bisect_left(self._bounds, n), bisect.bisect_right(self._bounds, n))
        return (type(value).__name__, value)

    def template_for(self, path: str) -> str | None:
        if path in self._spec["paths"]:
            return str(path)
        for pattern, template in self._templates:
            if pattern.match(path):
                return template
        return None

    def validate(self, method: str, template: str, body: Any) -> None:
        """Raise ApiError(400, 50035) when ``body`` does not match the spec's request schema."""
        spec_template = self.template_for(template)
        if spec_template is None:
            return
        validator = self._validator(method.lower(), spec_template)
        if validator is None:
            return
        if isinstance(body, dict) and "type" in body:
            # A union discriminated by ``type`` (interaction callbacks): validate one branch only.
            branch = self._branch(method.lower(), spec_template, body["type"])
            validator = branch if branch is not None else validator
        key = (method.upper(), spec_template, self._shape(body))
        if key in self._passed:
            return
        errors = list(validator.iter_errors(body))
        if not errors:
            if len(self._passed) > 50_000:
                self._passed.clear()
            self._passed.add(key)
            return
        err = _deepest(min(errors, key=lambda e: len(e.absolute_path)))
        tree = FormErrors()
        path = list(err.absolute_path)
        if err.validator == "required" and isinstance(err.instance, dict):
            path += [p for p in err.validator_value if p not in err.instance][:1]
        tree.add(path, *_discord_code(err))
        raise ApiError(400, 50035, "Invalid Form Body", tree.tree)

    def _branch(self, method: str, template: str, kind: Any) -> Any:
        key = (f"{method}#{kind}", template)
        if key not in self._validators:
            self._validators[key] = None
            operation = self._spec["paths"][template].get(method) or {}
            content = (operation.get("requestBody") or {}).get("content") or {}
            schema = (content.get("application/json") or {}).get("schema") or {}
            schemas = self._spec["components"]["schemas"]
            for option in schema.get("anyOf") or []:
                ref = option.get("$ref", "")
                target = schemas.get(ref.rsplit("/", 1)[-1], {}) if ref else option
                allowed = ((target.get("properties") or {}).get("type") or {}).get("enum") or []
                if kind in allowed:
                    from jsonschema import Draft202012Validator

                    wrapper = {"$ref": f"{_URN}#/components/schemas/{ref.rsplit('/', 1)[-1]}"}
                    self._validators[key] = Draft202012Validator(wrapper, registry=self._registry)
                    break
        return self._validators[key]

    def _validator(self, method: str, template: str) -> Any:
        key = (method, template)
        if key not in self._validators:
            operation = self._spec["paths"][template].get(method) or {}
            content = (operation.get("requestBody") or {}).get("content") or {}
            if "application/json" not in content:
                self._validators[key] = None
            else:
                from jsonschema import Draft202012Validator

                pointer = "/".join(
                    _escape(p) for p in ("paths", template, method, "requestBody", "content")
                )
                ref = f"{_URN}#/{quote(pointer, safe='/~')}/application~1json/schema"
                self._validators[key] = Draft202012Validator({"$ref": ref}, registry=self._registry)
        return self._validators[key]


def _length_bounds(node: Any) -> set[int]:
    found: set[int] = set()
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("maxLength", "minLength") and isinstance(value, int):
                found.add(value)
            else:
                found |= _length_bounds(value)
    elif isinstance(node, list):
        for item in node:
            found |= _length_bounds(item)
    return found


def _deepest(err: Any) -> Any:
    """Follow anyOf/oneOf branches to the most specific failure (the one deepest in the body)."""
    while err.context:
        err = max(
            err.context,
            key=lambda e: (len(e.absolute_path), e.validator not in ("enum", "const", "required")),
        )
    return err


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _discord_code(err: Any) -> tuple[str, str]:
    kind = err.validator
    if kind in ("maxLength", "maxItems"):
        return "BASE_TYPE_MAX_LENGTH", f"Must be {err.validator_value} or fewer in length."
    if kind in ("minLength", "minItems"):
        return "BASE_TYPE_MIN_LENGTH", f"Must be {err.validator_value} or more in length."
    if kind == "required":
        return "BASE_TYPE_REQUIRED", "This field is required"
    if kind == "maximum":
        return (
            "NUMBER_TYPE_MAX",
            f"int value should be less than or equal to {err.validator_value}.",
        )
    if kind == "minimum":
        return (
            "NUMBER_TYPE_MIN",
            f"int value should be greater than or equal to {err.validator_value}.",
        )
    if kind in ("enum", "const"):
        return "BASE_TYPE_CHOICES", f"Value must be one of {err.validator_value}."
    return "BASE_TYPE_BAD_TYPE", f"Invalid value ({kind}): {err.message[:200]}"


@functools.lru_cache(maxsize=4)
def _load(path: str) -> tuple[dict[str, Any], Any]:
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    with open(path, encoding="utf-8") as fh:
        spec: dict[str, Any] = json.load(fh)
    # Discord accepts snowflakes as JSON integers too (discord.py sends ints in places).
    schemas = spec.get("components", {}).get("schemas", {})
    if "SnowflakeType" in schemas:
        schemas["SnowflakeType"] = {
            "anyOf": [schemas["SnowflakeType"], {"type": "integer", "minimum": 0}]
        }
    resource = Resource.from_contents(spec, default_specification=DRAFT202012)
    registry = Registry().with_resource(_URN, resource)
    return spec, registry


def load_validator(path: Path | None) -> OpenApiValidator | None:
    spec = path if path is not None else default_spec_path()
    if spec is None or not spec.is_file():
        return None
    return OpenApiValidator(spec)
