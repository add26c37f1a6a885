"""Petitions: the model, codes, the goal ladder and the rules for what an organizer may type."""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from bot.domain.errors import InvalidInput
from bot.i18n import N_, Lazy

#: Capitals that cannot be mistaken for digits when read aloud or off a flyer (no O, no Q).
CODE_ALPHABET = "ABCDEFGHIJKLMNPRSTUVWXYZ"
CODE_LENGTH = 6
CODE_PATTERN = re.compile(rf"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$")

TITLE_MAX = 120
RECIPIENT_MAX = 200
LETTER_MAX = 4000
LINK_MAX = 512
GOAL_MAX = 100_000_000
EXTERNAL_MAX = 100_000_000


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class Petition:
    id: int
    code: str
    guild_id: int
    title: str
    recipient: str
    letter: str
    link: str | None
    goal: int
    goal_is_custom: bool
    external_count: int
    signature_count: int
    status: Status
    language: str
    organization: str | None
    author_id: int
    author_name: str
    created_at: datetime
    updated_at: datetime
    milestone_ladder: tuple[int, ...] | None = None

    @property
    def total(self) -> int:
        """The displayed total: signatures Rally holds plus those counted elsewhere."""
        return self.signature_count + self.external_count

    @property
    def is_open(self) -> bool:
        return self.status is Status.OPEN


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(raw: str) -> str | None:
    """A code as typed (any case, spaces) → canonical, or None when it cannot be a code."""
    code = "".join(raw.split()).upper()
    return code if CODE_PATTERN.match(code) else None


# -- the goal ladder ---------------------------------------------------------------------------
def ladder_rungs() -> list[int]:
    """5, 10, 25, 50, 100, 250, 500, 1,000, 2,500, … up to the largest goal Rally accepts."""
    rungs = [5]
    scale = 10
    while scale <= GOAL_MAX:
        rungs.extend(int(step * scale) for step in (1, 2.5, 5) if step * scale <= GOAL_MAX)
        scale *= 10
    return sorted({int(rung) for rung in rungs})


_RUNGS = ladder_rungs()


def next_rung(total: int) -> int:
    """The first rung of the ladder above `total`."""
    for rung in _RUNGS:
        if rung > total:
            return rung
    return (total // 1_000_000 + 1) * 1_000_000


@dataclass(frozen=True, slots=True)
class GoalChange:
    from_goal: int
    to_goal: int


def goal_after(total: int, goal: int) -> GoalChange | None:
    """When `total` has reached `goal`, the goal rises to the next rung above the total."""
    if total < goal:
        return None
    return GoalChange(goal, next_rung(total))


# -- what organizers type ----------------------------------------------------------------------
_INVISIBLE = {"Cc", "Cf", "Zl", "Zp"}


def clean_text(value: str, *, multiline: bool) -> str:
    """Drop control and format characters (zero-width, bidi overrides) and trim white space."""
    kept = []
    for char in value:
        if multiline and char in "\n\t":
            kept.append(char)
        elif unicodedata.category(char) in _INVISIBLE:
            continue
        elif not multiline and char.isspace():
            kept.append(" ")
        else:
            kept.append(char)
    text = "".join(kept)
    if multiline:
        text = re.sub(r"\n{3,}", "\n\n", text)
        return "\n".join(line.rstrip() for line in text.strip().splitlines())
    return " ".join(text.split())


def _required(value: str, *, field: str, limit: int, multiline: bool = False) -> str:
    text = clean_text(value, multiline=multiline)
    if not text:
        raise ValueError(f"{field}:empty")
    if len(text) > limit:
        raise ValueError(f"{field}:too_long:{limit}")
    return text


class PetitionDraft(BaseModel):
    """What an organizer typed into the create/edit modal, checked and cleaned."""

    model_config = ConfigDict(frozen=True)

    title: str
    recipient: str
    letter: str
    link: str | None = None
    goal: int | None = None

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        return _required(value, field="title", limit=TITLE_MAX)

    @field_validator("recipient")
    @classmethod
    def _recipient(cls, value: str) -> str:
        return _required(value, field="recipient", limit=RECIPIENT_MAX)

    @field_validator("letter")
    @classmethod
    def _letter(cls, value: str) -> str:
        return _required(value, field="letter", limit=LETTER_MAX, multiline=True)

    @field_validator("link", mode="before")
    @classmethod
    def _link(cls, value: object) -> object:
        if value is None:
            return None
        text = clean_text(str(value), multiline=False)
        if not text:
            return None
        if len(text) > LINK_MAX or not re.match(r"^https?://[^\s/$.?#][^\s]*$", text, re.I):
            raise ValueError("link:not_url")
        return text

    @field_validator("goal", mode="before")
    @classmethod
    def _goal(cls, value: object) -> object:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = str(value).replace(",", "").replace(" ", "").replace("\u00a0", "")
        if not text.isdigit() or not 1 <= int(text) <= GOAL_MAX:
            raise ValueError("goal:range")
        return int(text)


_FIELD_NAMES = {
    "title": N_("title"),
    "recipient": N_("recipient"),
    "letter": N_("letter"),
    "link": N_("link"),
    "goal": N_("goal"),
}
_PROBLEMS = {
    "empty": N_("The {field} cannot be empty."),
    "too_long": N_("The {field} is too long: at most {limit} characters."),
    "not_url": N_("The link must be a web address starting with https:// or http://."),
    "range": N_("The goal must be a whole number from 1 to {limit}."),
}


def parse_draft(**fields: object) -> PetitionDraft:
    """Validate a draft; raise `InvalidInput` with a member-safe message for the first problem."""
    try:
        return PetitionDraft.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        text = str(first.get("ctx", {}).get("error", first["msg"]))
        field, _, rest = text.partition(":")
        problem, _, limit = rest.partition(":")
        field = field.removeprefix("Value error, ") if field not in _FIELD_NAMES else field
        if field not in _FIELD_NAMES or problem not in _PROBLEMS:
            field = str(first["loc"][0]) if first["loc"] else "title"
            problem = "empty"
        return_limit = int(limit) if limit.isdigit() else GOAL_MAX
        raise InvalidInput(
            _PROBLEMS[problem], field=Lazy(_FIELD_NAMES.get(field, field)), limit=return_limit
        ) from None


def parse_external_count(value: int) -> int:
    if not 0 <= value <= EXTERNAL_MAX:
        raise InvalidInput(
            N_("The count must be a whole number from 0 to {limit}."), limit=EXTERNAL_MAX
        )
    return value
