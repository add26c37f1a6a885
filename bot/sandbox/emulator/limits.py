"""Discord's rules, answered with Discord's error shape (400, code 50035, nested ``errors``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .state import FLAG_COMPONENTS_V2

Path = Sequence[str | int]


class ApiError(Exception):
    """An HTTP error answered the way Discord answers it."""

    def __init__(
        self, status: int, code: int, message: str, errors: dict[str, Any] | None = None
    ) -> None:
        super().__init__(f"{status} {code} {message}")
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors

    def body(self) -> dict[str, Any]:
        data: dict[str, Any] = {"message": self.message, "code": self.code}
        if self.errors is not None:
            data["errors"] = self.errors
        return data


class FormErrors:
    """Collects field errors into Discord's nested tree: ``{"a": {"0": {"_errors": [...]}}}``."""

    def __init__(self) -> None:
        self.tree: dict[str, Any] = {}

    def add(self, path: Path, code: str, message: str) -> None:
        node = self.tree
        for key in path:
            node = node.setdefault(str(key), {})
        node.setdefault("_errors", []).append({"code": code, "message": message})

    def max_len(self, path: Path, value: Any, limit: int) -> None:
        if value is not None and len(value) > limit:
            self.add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length.")

    def length(self, path: Path, value: Any, low: int, high: int) -> None:
        if value is None:
            return
        if len(value) < low or len(value) > high:
            self.add(path, "BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")

    def required(self, path: Path, container: dict[str, Any], key: str) -> bool:
        if container.get(key) is None:
            self.add([*path, key], "BASE_TYPE_REQUIRED", "This field is required")
            return False
        return True

    def __bool__(self) -> bool:
        return bool(self.tree)

    def raise_if_any(self) -> None:
        if self.tree:
            raise ApiError(400, 50035, "Invalid Form Body", self.tree)


def invalid_form(path: Path, code: str, message: str) -> ApiError:
    errors = FormErrors()
    errors.add(path, code, message)
    return ApiError(400, 50035, "Invalid Form Body", errors.tree)


# --- messages -------------------------------------------------------------------------------


def embed_size(embed: dict[str, Any]) -> int:
    total = len(embed.get("title") or "") + len(embed.get("description") or "")
    total += len((embed.get("footer") or {}).get("text") or "")
    total += len((embed.get("author") or {}).get("name") or "")
    for fld in embed.get("fields") or []:
        total += len(fld.get("name") or "") + len(fld.get("value") or "")
    return total


def check_embeds(errors: FormErrors, embeds: list[dict[str, Any]], base: Path = ()) -> None:
    path = [*base, "embeds"]
    if len(embeds) > 10:
        errors.max_len(path, embeds, 10)
        return
    for i, embed in enumerate(embeds):
        ep = [*path, i]
        errors.max_len([*ep, "title"], embed.get("title"), 256)
        errors.max_len([*ep, "description"], embed.get("description"), 4096)
        errors.max_len([*ep, "footer", "text"], (embed.get("footer") or {}).get("text"), 2048)
        errors.max_len([*ep, "author", "name"], (embed.get("author") or {}).get("name"), 256)
        fields = embed.get("fields") or []
        errors.max_len([*ep, "fields"], fields, 25)
        for j, fld in enumerate(fields[:25]):
            fp = [*ep, "fields", j]
            for key, limit in (("name", 256), ("value", 1024)):
                if errors.required(fp, fld, key):
                    errors.length([*fp, key], fld[key], 1, limit)
    if sum(embed_size(e) for e in embeds) > 6000:
        errors.add(path, "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")


def _check_custom_id(errors: FormErrors, path: Path, comp: dict[str, Any], seen: set[str]) -> None:
    custom_id = comp.get("custom_id")
    if custom_id is None:
        errors.add([*path, "custom_id"], "BASE_TYPE_REQUIRED", "This field is required")
        return
    errors.length([*path, "custom_id"], custom_id, 1, 100)
    if custom_id in seen:
        errors.add(
            [*path, "custom_id"],
            "COMPONENT_CUSTOM_ID_DUPLICATED",
            "Component custom id cannot be duplicated",
        )
    seen.add(custom_id)


def _check_interactive(
    errors: FormErrors, path: Path, comp: dict[str, Any], seen: set[str]
) -> None:
    kind = comp.get("type")
    if kind == 2:
        errors.max_len([*path, "label"], comp.get("label"), 80)
        if comp.get("style") == 5:
            errors.required(path, comp, "url")
        elif comp.get("style") != 6:
            _check_custom_id(errors, path, comp, seen)
    elif kind in (3, 5, 6, 7, 8):
        _check_custom_id(errors, path, comp, seen)
        errors.max_len([*path, "placeholder"], comp.get("placeholder"), 150)
        if kind == 3:
            options = comp.get("options") or []
            errors.length([*path, "options"], options, 1, 25)
            for k, opt in enumerate(options[:25]):
                op = [*path, "options", k]
                for key in ("label", "value"):
                    if errors.required(op, opt, key):
                        errors.length([*op, key], opt[key], 1, 100)
                errors.max_len([*op, "description"], opt.get("description"), 100)
        low, high = comp.get("min_values", 1), comp.get("max_values", 1)
        if not 0 <= low <= 25:
            errors.add([*path, "min_values"], "NUMBER_TYPE_MAX", "int value should be <= 25.")
        if not 1 <= high <= 25:
            errors.add([*path, "max_values"], "NUMBER_TYPE_MAX", "int value should be <= 25.")
    elif kind == 4:
        _check_text_input(errors, path, comp, seen)


def check_components(errors: FormErrors, components: list[dict[str, Any]], flags: int) -> None:
    seen: set[str] = set()
    if flags & FLAG_COMPONENTS_V2:
        from .state import walk_components

        if len(walk_components(components)) > 40:
            errors.add(
                ["components"],
                "COMPONENT_MAX_TOTAL_COMPONENTS_EXCEEDED",
                "The specified component exceeds the maximum total of 40",
            )
        for i, comp in enumerate(walk_components(components)):
            _check_interactive(errors, ["components", i], comp, seen)
        return
    errors.max_len(["components"], components, 5)
    for i, row in enumerate(components[:5]):
        path: list[str | int] = ["components", i]
        if row.get("type") != 1:
            errors.add(
                [*path, "type"],
                "UNION_TYPE_CHOICES",
                'Value of field "type" must be one of (1,).',
            )
            continue
        children = row.get("components") or []
        if not children:
            errors.add(
                [*path, "components"], "BASE_TYPE_MIN_LENGTH", "Must be 1 or more in length."
            )
        selects = [c for c in children if c.get("type") in (3, 5, 6, 7, 8)]
        if len(children) > 5 or (selects and len(children) > 1):
            errors.add(
                [*path, "components"],
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            )
        for j, comp in enumerate(children[:5]):
            _check_interactive(errors, [*path, "components", j], comp, seen)


def check_allowed_mentions(errors: FormErrors, allowed: dict[str, Any] | None) -> None:
    if not allowed:
        return
    parse = allowed.get("parse") or []
    for key in ("users", "roles"):
        ids = allowed.get(key) or []
        if key in parse and ids:
            errors.add(
                ["allowed_mentions"],
                "MESSAGE_ALLOWED_MENTIONS_PARSE_EXCLUSIVE",
                f'parse:["{key}"] and {key}: [ids...] are mutually exclusive.',
            )
        errors.max_len(["allowed_mentions", key], ids, 100)


def check_message(payload: dict[str, Any], *, files: int = 0, edit: bool = False) -> None:
    """Raise the ApiError Discord would answer for this message create/edit body."""
    errors = FormErrors()
    content = payload.get("content")
    if content is not None and not isinstance(content, str):
        content = str(content)
    errors.max_len(["content"], content, 2000)
    embeds = payload.get("embeds") or []
    check_embeds(errors, embeds)
    flags = int(payload.get("flags") or 0)
    check_components(errors, payload.get("components") or [], flags)
    check_allowed_mentions(errors, payload.get("allowed_mentions"))
    nonce = payload.get("nonce")
    if isinstance(nonce, str):
        errors.max_len(["nonce"], nonce, 25)
    if flags & FLAG_COMPONENTS_V2 and (content or embeds):
        errors.add(
            ["content"],
            "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2",
            "The 'content' and 'embeds' fields cannot be used when using "
            "MessageFlags.IS_COMPONENTS_V2",
        )
    errors.raise_if_any()
    if not edit:
        has_body = content or embeds or payload.get("components") or payload.get("sticker_ids")
        if not has_body and not files and not payload.get("poll"):
            raise ApiError(400, 50006, "Cannot send an empty message")


# --- modals ---------------------------------------------------------------------------------


def _check_text_input(errors: FormErrors, path: Path, comp: dict[str, Any], seen: set[str]) -> None:
    _check_custom_id(errors, path, comp, seen)
    errors.max_len([*path, "label"], comp.get("label"), 45)
    errors.max_len([*path, "placeholder"], comp.get("placeholder"), 100)
    errors.max_len([*path, "value"], comp.get("value"), 4000)
    for key in ("min_length", "max_length"):
        value = comp.get(key)
        if value is not None and not 0 <= value <= 4000:
            errors.add([*path, key], "NUMBER_TYPE_MAX", "int value should be <= 4000.")


def check_modal(data: dict[str, Any]) -> None:
    errors = FormErrors()
    base: list[str | int] = []
    if errors.required(base, data, "title"):
        errors.length([*base, "title"], data["title"], 1, 45)
    if errors.required(base, data, "custom_id"):
        errors.length([*base, "custom_id"], data["custom_id"], 1, 100)
    components = data.get("components") or []
    errors.length([*base, "components"], components, 1, 5)
    seen: set[str] = set()
    for i, top in enumerate(components[:5]):
        path: list[str | int] = [*base, "components", i]
        if top.get("type") == 18:
            errors.length([*path, "label"], top.get("label"), 1, 45)
            errors.max_len([*path, "description"], top.get("description"), 100)
            child = top.get("component") or {}
            _check_interactive(errors, [*path, "component"], child, seen)
        elif top.get("type") == 1:
            for j, comp in enumerate(top.get("components") or []):
                _check_interactive(errors, [*path, "components", j], comp, seen)
    errors.raise_if_any()


# --- application commands -------------------------------------------------------------------


def valid_name(name: Any, *, lowercase: bool) -> bool:
    if not isinstance(name, str) or not 1 <= len(name) <= 32:
        return False
    if not all(ch.isalnum() or ch in "-_" for ch in name):
        return False
    return not lowercase or name == name.lower()


def _check_option(errors: FormErrors, path: Path, opt: dict[str, Any], depth: int) -> None:
    if not valid_name(opt.get("name"), lowercase=True):
        errors.add([*path, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    if errors.required(path, opt, "description"):
        errors.length([*path, "description"], opt["description"], 1, 100)
    choices = opt.get("choices") or []
    errors.max_len([*path, "choices"], choices, 25)
    for k, choice in enumerate(choices[:25]):
        cp = [*path, "choices", k]
        if errors.required(cp, choice, "name"):
            errors.length([*cp, "name"], choice["name"], 1, 100)
        if isinstance(choice.get("value"), str):
            errors.max_len([*cp, "value"], choice["value"], 100)
    if choices and opt.get("autocomplete"):
        errors.add(
            [*path, "autocomplete"],
            "APPLICATION_COMMAND_AUTOCOMPLETE_CHOICES_EXCLUSIVE",
            "Autocomplete cannot be set on options with choices",
        )
    if opt.get("type") in (1, 2):
        _check_options(errors, path, opt.get("options") or [], depth + 1)


def _check_options(
    errors: FormErrors, base: Path, options: list[dict[str, Any]], depth: int
) -> None:
    path = [*base, "options"]
    errors.max_len(path, options, 25)
    names: set[str] = set()
    optional_seen = False
    for i, opt in enumerate(options[:25]):
        _check_option(errors, [*path, i], opt, depth)
        name = opt.get("name")
        if isinstance(name, str) and name in names:
            errors.add(
                [*path, i, "name"],
                "APPLICATION_COMMAND_OPTION_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            )
        names.add(str(name))
        if opt.get("type") not in (1, 2):
            if opt.get("required") and optional_seen:
                errors.add(
                    [*path, i, "required"],
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID_ORDER",
                    "Required options must be placed before non-required options",
                )
            optional_seen = optional_seen or not opt.get("required")


def check_command(errors: FormErrors, path: Path, cmd: dict[str, Any]) -> None:
    kind = cmd.get("type", 1)
    if not valid_name(cmd.get("name"), lowercase=kind == 1):
        errors.add([*path, "name"], "APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    if kind == 1:
        if errors.required(path, cmd, "description"):
            errors.length([*path, "description"], cmd["description"], 1, 100)
        _check_options(errors, path, cmd.get("options") or [], 0)


def check_commands(commands: list[dict[str, Any]]) -> None:
    errors = FormErrors()
    counts: dict[int, int] = {}
    names: set[tuple[int, str]] = set()
    for i, cmd in enumerate(commands):
        check_command(errors, [i], cmd)
        kind = int(cmd.get("type", 1))
        counts[kind] = counts.get(kind, 0) + 1
        key = (kind, str(cmd.get("name")))
        if key in names:
            errors.add(
                [i, "name"],
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                f"Application command names must be unique: {key[1]}",
            )
        names.add(key)
    errors.raise_if_any()
    if counts.get(1, 0) > 100 or counts.get(2, 0) > 15 or counts.get(3, 0) > 15:
        raise ApiError(400, 30032, "Maximum number of application commands reached (100)")


def check_autocomplete(data: dict[str, Any]) -> None:
    errors = FormErrors()
    choices = data.get("choices") or []
    errors.max_len(["choices"], choices, 25)
    for k, choice in enumerate(choices[:25]):
        cp: list[str | int] = ["choices", k]
        if errors.required(cp, choice, "name"):
            errors.length([*cp, "name"], choice["name"], 1, 100)
        if isinstance(choice.get("value"), str):
            errors.max_len([*cp, "value"], choice["value"], 100)
    errors.raise_if_any()


def prefixed(path: Path, exc: ApiError) -> ApiError:
    """Nest an error tree under ``path`` (e.g. a callback's ``data``)."""
    if exc.errors is None or not path:
        return exc
    tree: dict[str, Any] = exc.errors
    for key in reversed(path):
        tree = {str(key): tree}
    return ApiError(exc.status, exc.code, exc.message, tree)
