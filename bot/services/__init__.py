"""Use cases: one module per area. Each call runs one transaction and returns a result object."""

from __future__ import annotations

from dataclasses import dataclass

from bot.db import Database
from bot.domain.abuse import AbuseLimits
from bot.domain.clock import Clock, utcnow
from bot.services.admin import AdminService
from bot.services.coalitions import CoalitionService
from bot.services.cooldowns import Cooldowns
from bot.services.drives import DriveService
from bot.services.exports import ExportService
from bot.services.guilds import GuildService
from bot.services.images import ImageService
from bot.services.imports import ImportService
from bot.services.leaderboards import LeaderboardService
from bot.services.links import LinkService
from bot.services.milestones import MilestoneService
from bot.services.petitions import PetitionService
from bot.services.public_pages import PublicPageService
from bot.services.referrals import RunningDrives
from bot.services.reviews import ReviewService
from bot.services.rewards import RewardService
from bot.services.signers import SignerConfig, SignerService
from bot.services.volunteers import VolunteerService
from bot.services.webhook_targets import WebhookTargets
from bot.services.webhooks import WebhookService


@dataclass
class Services:
    guilds: GuildService
    petitions: PetitionService
    milestones: MilestoneService
    signers: SignerService
    links: LinkService
    imports: ImportService
    exports: ExportService
    images: ImageService
    drives: DriveService
    rewards: RewardService
    volunteers: VolunteerService
    webhooks: WebhookService
    leaderboards: LeaderboardService
    admin: AdminService
    public_pages: PublicPageService
    reviews: ReviewService
    coalitions: CoalitionService

    @classmethod
    def build(
        cls,
        db: Database,
        clock: Clock = utcnow,
        *,
        signer_config: SignerConfig | None = None,
        limits: AbuseLimits | None = None,
    ) -> Services:
        config = signer_config or SignerConfig()
        running = RunningDrives()  # shared: signing counts for the drives this one changes
        guilds = GuildService(db, clock)
        pages = PublicPageService(db, clock)
        cooldowns = Cooldowns(limits or AbuseLimits())
        targets = WebhookTargets()  # shared: a deleted petition's webhook refuses at once
        return cls(
            guilds=guilds,
            petitions=PetitionService(
                db, clock, running, limits=limits, cooldowns=cooldowns, webhook_targets=targets
            ),
            milestones=MilestoneService(db, clock),
            signers=SignerService(db, clock, config),
            links=LinkService(db, clock, config, cooldowns=cooldowns),
            imports=ImportService(db, clock, config),
            exports=ExportService(db, clock),
            images=ImageService(db, clock, pages=pages),
            drives=DriveService(db, clock, running),
            rewards=RewardService(db, clock),
            volunteers=VolunteerService(db, clock),
            webhooks=WebhookService(db, clock, config, running, targets),
            leaderboards=LeaderboardService(db, clock),
            admin=AdminService(db, guilds, running, clock),
            public_pages=pages,
            reviews=ReviewService(db, clock),
            coalitions=CoalitionService(db, clock),
        )
