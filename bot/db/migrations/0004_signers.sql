-- Signers: delivery details per petition, linking a member by emailed code or organizer review,
-- and imports staged before they are counted. Nothing here holds personal data in plain text:
-- emails appear only as keyed hashes, names and postal codes only sealed.

-- Whether a petition asks first-time signers for delivery details (when a public key is set).
ALTER TABLE petitions ADD COLUMN collect_details INTEGER NOT NULL DEFAULT 1;

-- A member's pending `/me link`: the code as a keyed hash, the email as a keyed hash (and sealed,
-- when a public key is set), 15 minutes, 5 tries; `sends` counts codes asked for since
-- `window_started_at`, for the rate limit.
CREATE TABLE link_codes (
    user_id           INTEGER PRIMARY KEY,
    email_hash        TEXT    NOT NULL,
    sealed_email      BLOB,
    code_hash         TEXT    NOT NULL,
    expires_at        TEXT    NOT NULL,
    tries_left        INTEGER NOT NULL,
    sends             INTEGER NOT NULL DEFAULT 1,
    window_started_at TEXT    NOT NULL,
    created_at        TEXT    NOT NULL
);

-- Claims organizers review where no SMTP server is configured.
CREATE TABLE link_claims (
    id           INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    email_hash   TEXT    NOT NULL,
    sealed_email BLOB,
    status       TEXT    NOT NULL DEFAULT 'pending'
                         CHECK (status IN ('pending', 'approved', 'rejected')),
    reviewed_by  INTEGER,
    created_at   TEXT    NOT NULL,
    reviewed_at  TEXT
);
CREATE INDEX link_claims_pending ON link_claims (guild_id, status, id);
CREATE UNIQUE INDEX link_claims_one_pending ON link_claims (user_id) WHERE status = 'pending';

-- One CSV import: what came of it (counts only).
CREATE TABLE imports (
    id          INTEGER PRIMARY KEY,
    guild_id    INTEGER NOT NULL,
    petition_id INTEGER NOT NULL REFERENCES petitions (id),
    file_name   TEXT    NOT NULL,
    status      TEXT    NOT NULL DEFAULT 'running'
                        CHECK (status IN ('running', 'done', 'failed')),
    rows_read   INTEGER NOT NULL DEFAULT 0,
    imported    INTEGER NOT NULL DEFAULT 0,
    duplicates  INTEGER NOT NULL DEFAULT 0,
    rejected    INTEGER NOT NULL DEFAULT 0,
    created_by  INTEGER,
    created_at  TEXT    NOT NULL,
    finished_at TEXT
);

-- Rows of a running import, staged in chunks; counted in one transaction, then deleted.
CREATE TABLE import_rows (
    id                 INTEGER PRIMARY KEY,
    import_id          INTEGER NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    line               INTEGER NOT NULL,
    email_hash         TEXT,
    name_postal_hash   TEXT,
    sealed_name        BLOB,
    sealed_postal_code BLOB,
    sealed_email       BLOB,
    sealed_phone       BLOB,
    signed_at          TEXT    NOT NULL,
    referral           TEXT,
    signer_id          INTEGER,
    outcome            TEXT,
    referral_code_id   INTEGER,
    drive_id           INTEGER
);
CREATE INDEX import_rows_by_import ON import_rows (import_id, id);
CREATE INDEX import_rows_by_signer ON import_rows (import_id, signer_id);
