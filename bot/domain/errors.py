"""Domain errors. Each carries a message that is safe to show a member, translated where shown."""

from __future__ import annotations

from typing import Any, ClassVar

from bot.i18n import N_


class RallyError(Exception):
    """An expected failure with a member-safe message template (`{placeholders}` from params)."""

    message: ClassVar[str] = N_("Something went wrong.")

    def __init__(self, message: str | None = None, **params: Any) -> None:
        self.template = message or self.message
        self.params = params
        super().__init__(self.template)

    def __reduce__(self) -> tuple[object, tuple[type[RallyError], str, dict[str, Any]]]:
        """Pickled with its parameters (an import's reader process raises these across)."""
        return (_rebuild, (type(self), self.template, self.params))


def _rebuild(cls: type[RallyError], template: str, params: dict[str, Any]) -> RallyError:
    error = cls.__new__(cls)
    RallyError.__init__(error, template, **params)
    return error


class InvalidInput(RallyError):
    message = N_("That input is not valid.")


class NotAnOrganizer(RallyError):
    message = N_("Only organizers can do that: you need Manage Server or the organizer role.")


class NotAManager(RallyError):
    message = N_("Only members with the Manage Server permission can do that.")


class NotInAServer(RallyError):
    message = N_("This command works only inside a server.")


class PetitionNotFound(RallyError):
    message = N_("There is no petition with the code {code} in this server.")


class PetitionGone(RallyError):
    message = N_("This petition no longer exists.")


class PetitionClosed(RallyError):
    message = N_("The petition “{title}” is closed and no longer takes signatures.")


class AlreadySigned(RallyError):
    message = N_("You already signed “{title}” on {date}.")


class NotSigned(RallyError):
    message = N_("You have not signed “{title}”, so there is nothing to withdraw.")


class CodeExhausted(RallyError):
    message = N_("Rally could not find a free petition code; please try again.")


class StorageFull(RallyError):
    message = N_(
        "Rally's storage is full, so nothing was saved and nothing changed. Please tell the "
        "bot's operator; try again once they have made room."
    )
