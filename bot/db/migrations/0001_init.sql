-- Rally's schema for the whole domain. Later migrations add columns; nothing here is SQLite-only
-- beyond INTEGER PRIMARY KEY row ids and partial indexes, both of which PostgreSQL has equivalents for.
-- Timestamps are ISO-8601 UTC text ("2026-11-24T13:27:04.123456+00:00"). Discord ids are INTEGER.

CREATE TABLE guild_settings (
    guild_id                INTEGER PRIMARY KEY,
    organizer_role_id       INTEGER,
    announcement_channel_id INTEGER,
    organizers_channel_id   INTEGER,
    timezone                TEXT    NOT NULL DEFAULT 'UTC',
    language                TEXT    NOT NULL DEFAULT 'en',
    organization_name       TEXT,
    invite_url              TEXT,
    updated_at              TEXT    NOT NULL
);

CREATE TABLE petitions (
    id                    INTEGER PRIMARY KEY,
    code                  TEXT    NOT NULL UNIQUE CHECK (length(code) = 6),
    guild_id              INTEGER NOT NULL,
    title                 TEXT    NOT NULL,
    recipient             TEXT    NOT NULL,
    letter                TEXT    NOT NULL,
    link                  TEXT,
    goal                  INTEGER NOT NULL CHECK (goal > 0),
    goal_is_custom        INTEGER NOT NULL DEFAULT 0,
    external_count        INTEGER NOT NULL DEFAULT 0 CHECK (external_count >= 0),
    signature_count       INTEGER NOT NULL DEFAULT 0 CHECK (signature_count >= 0),
    last_signer_number    INTEGER NOT NULL DEFAULT 0,
    status                TEXT    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed', 'deleted')),
    language              TEXT    NOT NULL DEFAULT 'en',
    organization          TEXT,
    author_id             INTEGER NOT NULL,
    author_name           TEXT    NOT NULL,
    created_at            TEXT    NOT NULL,
    updated_at            TEXT    NOT NULL,
    closed_at             TEXT,
    deleted_at            TEXT
);
CREATE INDEX petitions_by_guild ON petitions (guild_id, status, id);

-- Every change of a petition's goal: reached (the ladder moved it) or set by an organizer.
CREATE TABLE goal_changes (
    id          INTEGER PRIMARY KEY,
    petition_id INTEGER NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    from_goal   INTEGER NOT NULL,
    to_goal     INTEGER NOT NULL,
    reason      TEXT    NOT NULL CHECK (reason IN ('reached', 'organizer')),
    changed_at  TEXT    NOT NULL
);
CREATE INDEX goal_changes_by_petition ON goal_changes (petition_id, id);

-- A person. Personal fields are sealed (public-key encrypted) or keyed hashes; never plain text.
CREATE TABLE signers (
    id                 INTEGER PRIMARY KEY,
    source             TEXT    NOT NULL,
    sealed_name        BLOB,
    sealed_postal_code BLOB,
    sealed_email       BLOB,
    sealed_phone       BLOB,
    email_hash         TEXT,
    name_postal_hash   TEXT,
    show_name          INTEGER NOT NULL DEFAULT 0,
    public_name        TEXT,
    language           TEXT,
    merged_into        INTEGER REFERENCES signers (id),
    created_at         TEXT    NOT NULL,
    forgotten_at       TEXT
);
CREATE UNIQUE INDEX signers_by_email_hash ON signers (email_hash)
    WHERE email_hash IS NOT NULL AND merged_into IS NULL;
CREATE INDEX signers_by_name_postal_hash ON signers (name_postal_hash)
    WHERE name_postal_hash IS NOT NULL;

-- A Discord user is one way a signer shows up: one signer per user, one user per signer.
CREATE TABLE member_links (
    user_id   INTEGER PRIMARY KEY,
    signer_id INTEGER NOT NULL UNIQUE REFERENCES signers (id),
    linked_at TEXT    NOT NULL
);

CREATE TABLE drives (
    id                 INTEGER PRIMARY KEY,
    guild_id           INTEGER NOT NULL,
    petition_id        INTEGER NOT NULL REFERENCES petitions (id),
    name               TEXT    NOT NULL,
    goal               INTEGER NOT NULL CHECK (goal > 0),
    starts_at          TEXT    NOT NULL,
    ends_at            TEXT    NOT NULL,
    channel_id         INTEGER NOT NULL,
    requires_approval  INTEGER NOT NULL DEFAULT 0,
    status             TEXT    NOT NULL DEFAULT 'scheduled'
                               CHECK (status IN ('scheduled', 'active', 'ended')),
    status_message_id  INTEGER,
    created_by         INTEGER NOT NULL,
    created_at         TEXT    NOT NULL,
    ended_at           TEXT,
    CHECK (ends_at > starts_at),
    UNIQUE (guild_id, name)
);

CREATE TABLE teams (
    id         INTEGER PRIMARY KEY,
    drive_id   INTEGER NOT NULL REFERENCES drives (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    name_key   TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    UNIQUE (drive_id, name_key)
);

CREATE TABLE drive_participants (
    id         INTEGER PRIMARY KEY,
    drive_id   INTEGER NOT NULL REFERENCES drives (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL,
    signer_id  INTEGER REFERENCES signers (id),
    team_id    INTEGER REFERENCES teams (id),
    joined_at  TEXT    NOT NULL,
    UNIQUE (drive_id, user_id)
);

-- A participant's personal referral code, unique within its drive ("ANNA7").
CREATE TABLE referral_codes (
    id             INTEGER PRIMARY KEY,
    drive_id       INTEGER NOT NULL REFERENCES drives (id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL UNIQUE REFERENCES drive_participants (id) ON DELETE CASCADE,
    code           TEXT    NOT NULL,
    created_at     TEXT    NOT NULL,
    UNIQUE (drive_id, code)
);

CREATE TABLE signatures (
    id              INTEGER PRIMARY KEY,
    petition_id     INTEGER NOT NULL REFERENCES petitions (id),
    signer_id       INTEGER REFERENCES signers (id),
    guild_id        INTEGER,
    source          TEXT    NOT NULL CHECK (source IN ('discord', 'import', 'webhook')),
    status          TEXT    NOT NULL DEFAULT 'counted' CHECK (status IN ('counted', 'pending', 'rejected')),
    referral_code_id INTEGER REFERENCES referral_codes (id),
    drive_id        INTEGER REFERENCES drives (id),
    external_id     TEXT,
    signer_number   INTEGER NOT NULL,
    signed_at       TEXT    NOT NULL
);
-- One signature per signer per petition (anonymous, forgotten signatures have no signer).
CREATE UNIQUE INDEX signatures_one_per_signer ON signatures (petition_id, signer_id)
    WHERE signer_id IS NOT NULL;
CREATE UNIQUE INDEX signatures_by_external_id ON signatures (petition_id, external_id)
    WHERE external_id IS NOT NULL;
CREATE INDEX signatures_by_signer ON signatures (signer_id);
CREATE INDEX signatures_by_referral ON signatures (referral_code_id) WHERE referral_code_id IS NOT NULL;
CREATE INDEX signatures_by_petition_time ON signatures (petition_id, signed_at);

-- Signatures a volunteer gathered offline (paper sheets), kept apart as "logged".
CREATE TABLE offline_logs (
    id             INTEGER PRIMARY KEY,
    drive_id       INTEGER NOT NULL REFERENCES drives (id) ON DELETE CASCADE,
    participant_id INTEGER NOT NULL REFERENCES drive_participants (id) ON DELETE CASCADE,
    count          INTEGER NOT NULL CHECK (count > 0),
    note           TEXT,
    status         TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
    reviewed_by    INTEGER,
    created_at     TEXT    NOT NULL,
    reviewed_at    TEXT
);

-- The outbox: announcements written in the same transaction as the change that caused them.
-- dedupe_key makes each one unique, e.g. 'petition:12:milestone:1000' — one announcement per
-- (petition, milestone) per server.
CREATE TABLE announcements (
    id              INTEGER PRIMARY KEY,
    guild_id        INTEGER NOT NULL,
    petition_id     INTEGER REFERENCES petitions (id),
    drive_id        INTEGER REFERENCES drives (id),
    kind            TEXT    NOT NULL,
    threshold       INTEGER,
    dedupe_key      TEXT    NOT NULL,
    payload         TEXT    NOT NULL DEFAULT '{}',
    channel_id      INTEGER,
    status          TEXT    NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    message_id      INTEGER,
    created_at      TEXT    NOT NULL,
    sent_at         TEXT,
    UNIQUE (guild_id, dedupe_key)
);
CREATE INDEX announcements_pending ON announcements (status, id) WHERE status = 'pending';

-- Who did what, without any signer's personal data.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY,
    guild_id   INTEGER,
    actor_id   INTEGER,
    action     TEXT    NOT NULL,
    subject    TEXT,
    details    TEXT    NOT NULL DEFAULT '{}',
    created_at TEXT    NOT NULL
);
CREATE INDEX audit_by_guild ON audit_log (guild_id, id);

-- Small key/value facts Rally keeps about itself (e.g. the hash of the last synced command tree).
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
