"""Use cases: one module per area. Each call runs one transaction and returns a result object."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import Database
from bot.domain.clock import Clock, utcnow
from bot.services.guilds import GuildService
from bot.services.milestones import MilestoneService
from bot.services.petitions import PetitionService


@dataclass
class Services:
    guilds: GuildService
    petitions: PetitionService
    milestones: MilestoneService

    @classmethod
    def build(cls, db: Database, clock: Clock = utcnow) -> Services:
        return cls(
            guilds=GuildService(db, clock),
            petitions=PetitionService(db, clock),
            milestones=MilestoneService(db, clock),
        )
