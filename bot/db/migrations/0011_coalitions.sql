-- Coalitions (issue 15): one petition, many Discord servers. The owning server opens a petition
-- to partners with a join code; an organizer of another server follows it with that code. Its
-- members then show and sign the same petition: one signature per person across all servers
-- (the unique (petition, signer) index already says so), one shared total.

-- The join code of a petition open to partners; NULL when the owner closed it to new partners.
CREATE TABLE coalition_invites (
    petition_id INTEGER PRIMARY KEY REFERENCES petitions (id),
    join_code   TEXT,
    updated_at  TEXT    NOT NULL
);

-- A server that follows a petition of another server. `removed` (by the owner) and `left` (the
-- partner unfollowed) keep the row: its signatures stay counted unless organizers of both
-- servers agree to drop them (`owner_drop_by` / `partner_drop_by`, the organizers who agreed);
-- `dropped_at` says they were dropped.
CREATE TABLE petition_partners (
    id              INTEGER PRIMARY KEY,
    petition_id     INTEGER NOT NULL REFERENCES petitions (id),
    guild_id        INTEGER NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'following'
                            CHECK (status IN ('following', 'left', 'removed')),
    followed_at     TEXT    NOT NULL,
    ended_at        TEXT,
    owner_drop_by   INTEGER,
    partner_drop_by INTEGER,
    dropped_at      TEXT,
    UNIQUE (petition_id, guild_id)
);
CREATE INDEX petition_partners_by_guild ON petition_partners (guild_id, status);

-- Counted signatures per petition and server they were signed from, kept on write like the
-- leaderboards' counters: per-server contributions never scan the signatures.
CREATE TABLE guild_contributions (
    petition_id INTEGER NOT NULL,
    guild_id    INTEGER NOT NULL,
    signatures  INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (petition_id, guild_id)
) WITHOUT ROWID;

INSERT INTO guild_contributions (petition_id, guild_id, signatures)
SELECT petition_id, guild_id, COUNT(*) FROM signatures
 WHERE status = 'counted' AND guild_id IS NOT NULL
 GROUP BY petition_id, guild_id;

CREATE TRIGGER signatures_contribution_insert AFTER INSERT ON signatures
WHEN NEW.status = 'counted' AND NEW.guild_id IS NOT NULL
BEGIN
    INSERT INTO guild_contributions (petition_id, guild_id, signatures)
    VALUES (NEW.petition_id, NEW.guild_id, 1)
    ON CONFLICT (petition_id, guild_id) DO UPDATE SET signatures = signatures + 1;
END;

CREATE TRIGGER signatures_contribution_delete AFTER DELETE ON signatures
WHEN OLD.status = 'counted' AND OLD.guild_id IS NOT NULL
BEGIN
    UPDATE guild_contributions SET signatures = signatures - 1
     WHERE petition_id = OLD.petition_id AND guild_id = OLD.guild_id;
END;

CREATE TRIGGER signatures_contribution_update
AFTER UPDATE OF status, guild_id, petition_id ON signatures
WHEN OLD.status IS NOT NEW.status OR OLD.guild_id IS NOT NEW.guild_id
  OR OLD.petition_id IS NOT NEW.petition_id
BEGIN
    UPDATE guild_contributions SET signatures = signatures - 1
     WHERE OLD.status = 'counted' AND petition_id = OLD.petition_id AND guild_id = OLD.guild_id;
    INSERT INTO guild_contributions (petition_id, guild_id, signatures)
    SELECT NEW.petition_id, NEW.guild_id, 1
     WHERE NEW.status = 'counted' AND NEW.guild_id IS NOT NULL
    ON CONFLICT (petition_id, guild_id) DO UPDATE SET signatures = signatures + 1;
END;
