"""The servers board (`/leaderboard teams petition:`) on a real SQLite file: a coalition's
servers ranked by signatures with the coalition's own small-server folding, server names only,
for organizers of the owner or a following server — and refusals that change nothing."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from matplotlib.text import Text

from bot.db import Database
from bot.domain.coalitions import NotShared
from bot.domain.errors import InvalidInput, NotAnOrganizer, PetitionNotFound
from bot.i18n import localizer
from bot.services import Services
from bot.services.leaderboards import ServerBoard
from bot.ui.leaderboards import Entry, board_embed, chart_figure, entries, title
from tests.conftest import member, organizer
from tests.db.test_coalitions import OWNER, B, C, coalition, counts, snapshot

NAMES = {OWNER: "Minsk", B: "Vilnius"}  # C: a server the bot is no longer in


async def signed(services: Services) -> str:
    """OWNER 2 signatures, B 3, C 1 (user 50 is in OWNER and B and counts once, in OWNER)."""
    code, _ = await coalition(services)
    for user, guild in ((50, OWNER), (51, OWNER), (52, B), (53, B), (54, B), (55, C)):
        await services.petitions.sign_by_code(member(user, guild), code)
    return code


async def test_servers_ranked_with_the_coalitions_folding_and_names_only(
    services: Services,
) -> None:
    code = await signed(services)
    tr = localizer("en")

    # Default minimum 3: only B is ranked; OWNER (2) and C (1) fold into "other servers".
    standings = await services.leaderboards.servers(organizer(9, C), code)
    assert counts(standings) == counts(await services.coalitions.standings(organizer(9, C), code))
    board = ServerBoard(standings, NAMES)
    assert entries(tr, board) == [Entry(1, "Vilnius", 3), Entry(None, "Other servers", 3)]
    embed = board_embed(tr, board)
    assert embed.title == "🏆 Servers of Free the political prisoners"
    assert embed.description == "**1.** Vilnius — 3 signatures\n· Other servers — 3 signatures"
    footer = str(embed.footer.text)
    assert "Total 6." in footer and "fewer than 3 signatures" in footer, footer

    # With the owner's minimum at 1, the owner's organizers see every server in its place.
    await services.leaderboards.configure(organizer(), min_group=1)
    board = ServerBoard(await services.leaderboards.servers(organizer(), code), NAMES)
    assert entries(tr, board) == [
        Entry(1, "Vilnius", 3),
        Entry(2, "Minsk (owner)", 2),
        Entry(3, "a server Rally is no longer in", 1),
    ]
    # A partner whose own minimum is higher keeps its view folded (the larger minimum wins).
    board = ServerBoard(await services.leaderboards.servers(organizer(9, B), code), NAMES)
    assert [e.rank for e in entries(tr, board)] == [1, None]

    # The chart is drawn from the same entries: server names, no member anywhere.
    board = ServerBoard(await services.leaderboards.servers(organizer(), code), NAMES)
    figure = chart_figure(title(tr, board), entries(tr, board), "—")
    drawn = " ".join(t.get_text() for t in figure.findobj(Text))
    assert "Vilnius" in drawn and "Minsk (owner)" in drawn
    assert "m5" not in drawn

    # In Russian, labels and title are translated.
    ru = localizer("ru")
    assert title(ru, board) == "🏆 Серверы петиции «Free the political prisoners»"
    assert entries(ru, board)[0].label == "Vilnius"


@pytest.mark.parametrize(
    "case",
    [
        "a member of the owner",
        "a member of a partner",
        "a server not in the coalition",
        "an unknown code",
        "a former partner",
        "a petition and a drive",
    ],
)
async def test_refusals_change_nothing(services: Services, db: Database, case: str) -> None:
    code = await signed(services)
    await services.coalitions.unfollow(organizer(9, C), code)
    calls: dict[str, tuple[type[Exception], Callable[[], Awaitable[Any]]]] = {
        "a member of the owner": (
            NotAnOrganizer,
            lambda: services.leaderboards.servers(member(50), code),
        ),
        "a member of a partner": (
            NotAnOrganizer,
            lambda: services.leaderboards.servers(member(52, B), code),
        ),
        "a server not in the coalition": (
            PetitionNotFound,
            lambda: services.leaderboards.servers(organizer(9, 4004), code),
        ),
        "an unknown code": (
            PetitionNotFound,
            lambda: services.leaderboards.servers(organizer(), "ZZZZZZ"),
        ),
        "a former partner": (
            NotShared,
            lambda: services.leaderboards.servers(organizer(9, C), code),
        ),
        "a petition and a drive": (
            InvalidInput,
            lambda: services.leaderboards.servers(organizer(), code, "Push"),
        ),
    }
    error, call = calls[case]
    before = await snapshot(db)
    with pytest.raises(error):
        await call()
    assert await snapshot(db) == before
