"""A partner server's own view of the petitions it follows: /petition list, /milestones history,
and announcements queued for a partner that stopped following before they went out."""

from __future__ import annotations

import pytest

from bot.db import Database
from bot.domain.errors import PetitionNotFound
from bot.domain.petitions import parse_draft
from bot.i18n import localizer
from bot.services import Services
from bot.ui.petitions import list_embed
from tests.conftest import GUILD, member, organizer

OWNER, B, C = GUILD, 2002, 3003
DRAFT = parse_draft(title="Free the prisoners", recipient="the Parliament", letter="Act now.")


async def shared(services: Services, *partners: int) -> str:
    """A petition of OWNER followed by `partners`; its code."""
    petition = await services.petitions.create(organizer(), DRAFT)
    invite = await services.coalitions.invite(organizer(), petition.code)
    assert invite.join_code is not None
    for guild in partners:
        await services.coalitions.follow(organizer(9, guild), petition.code, invite.join_code)
    return petition.code


async def test_the_list_of_a_partner_includes_what_it_follows_marked(services: Services) -> None:
    code = await shared(services, B)
    own = await services.petitions.create(
        organizer(9, B), parse_draft(title="B's own", recipient="R", letter="L")
    )
    other = await services.petitions.create(
        organizer(9, C), parse_draft(title="C's", recipient="R", letter="L")
    )

    page = await services.petitions.list_open(B, 0)
    assert [p.code for p in page.petitions] == [own.code, code]
    assert page.total == 2 and other.code not in [p.code for p in page.petitions]
    lines = str(list_embed(localizer("en"), page).description).splitlines()
    assert "(shared by another server)" in lines[1] and code in lines[1]
    assert "(shared by another server)" not in lines[0]
    # The owner's list is its own; nothing there is marked.
    owner_page = await services.petitions.list_open(OWNER, 0)
    assert [p.code for p in owner_page.petitions] == [code]
    assert "shared" not in str(list_embed(localizer("en"), owner_page).description)
    # Translated for the server's language.
    be = str(list_embed(localizer("be"), page).description).splitlines()[1]
    assert "(shared by another server)" not in be and code in be

    # Once B stops following, the petition leaves its list.
    await services.coalitions.unfollow(organizer(9, B), code)
    page = await services.petitions.list_open(B, 0)
    assert [p.code for p in page.petitions] == [own.code] and page.total == 1


async def test_history_in_a_partner_accepts_a_followed_petition(services: Services) -> None:
    code = await shared(services, B, C)
    await services.milestones.configure(organizer(9, B), channel_id=777)
    await services.milestones.configure(organizer(), petition_code=code, ladder="3")
    for user in range(1, 4):
        await services.petitions.sign_by_code(member(user, B), code)

    found, rows = await services.milestones.history(B, code)
    assert found.code == code and found.guild_id == OWNER
    assert [(r.guild_id, r.threshold) for r in rows] == [(B, 3)]
    found, rows = await services.milestones.history(C, code)  # C set no channel: told nothing
    assert found.code == code and rows == []

    await services.coalitions.remove(organizer(), code, C)
    with pytest.raises(PetitionNotFound):
        await services.milestones.history(C, code)
    with pytest.raises(PetitionNotFound):
        await services.milestones.history(3004, code)  # never followed it


async def test_an_announcement_for_a_removed_partner_is_dropped_the_others_go_out(
    services: Services, db: Database
) -> None:
    code = await shared(services, B, C)
    for guild, channel in ((B, 777), (C, 888)):
        await services.milestones.configure(organizer(9, guild), channel_id=channel)
    await services.milestones.configure(organizer(), petition_code=code, ladder="3")
    for user in range(1, 4):
        await services.petitions.sign_by_code(member(user, OWNER), code)
    due = await services.milestones.due()
    assert sorted(r.guild_id for r in due) == [OWNER, B, C]

    # C is removed (and B would leave the same way) before the dispatcher runs.
    await services.coalitions.remove(organizer(), code, C)
    petition = await services.petitions.get(OWNER, code)
    decisions = {
        r.guild_id: await services.milestones.still_shared(petition, r.guild_id) for r in due
    }
    assert decisions == {OWNER: True, B: True, C: False}

    await services.coalitions.unfollow(organizer(9, B), code)
    assert await services.milestones.still_shared(petition, B) is False
    assert await services.milestones.still_shared(petition, OWNER) is True
