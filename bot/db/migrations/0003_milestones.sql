-- Milestone announcements: where, whom to ping, and how a jump over several rungs is announced.
CREATE TABLE milestone_settings (
    guild_id      INTEGER PRIMARY KEY,
    channel_id    INTEGER,
    ping_role_id  INTEGER,
    announce_each INTEGER NOT NULL DEFAULT 0,
    updated_at    TEXT    NOT NULL
);

-- A petition's own ladder ("10,25,50,…"); NULL means Rally's default ladder.
ALTER TABLE petitions ADD COLUMN milestone_ladder TEXT;

-- When a send was last attempted: a pending row with an attempt may already be in the channel.
ALTER TABLE announcements ADD COLUMN attempted_at TEXT;
ALTER TABLE announcements ADD COLUMN last_error TEXT;
