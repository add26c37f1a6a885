"""Who is acting: what Rally knows of a member at the moment of an interaction."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Actor:
    user_id: int
    guild_id: int | None
    display_name: str
    role_ids: frozenset[int] = field(default_factory=frozenset)
    manage_guild: bool = False
    language: str = "en"

    def is_organizer(self, organizer_role_id: int | None) -> bool:
        """Organizer = Manage Server (administrators have it) or the server's organizer role."""
        return self.manage_guild or (
            organizer_role_id is not None and organizer_role_id in self.role_ids
        )
