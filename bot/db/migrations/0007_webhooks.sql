-- Signatures from elsewhere: per-petition webhook endpoints and the durable inbox of accepted
-- webhook events. Nothing personal in plain text: an event is stored already hashed and sealed,
-- exactly like an import row, and its personal columns are cleared once it has been counted.

-- A petition's webhook endpoint. The secret itself is never stored: it is derived as
-- HMAC-SHA256(RALLY_HASH_KEY, petition id + `nonce`), so a copy of the database alone reveals no
-- secret, and rotating the secret is choosing a new nonce.
CREATE TABLE webhook_endpoints (
    petition_id INTEGER PRIMARY KEY REFERENCES petitions (id),
    nonce       TEXT    NOT NULL,
    created_by  INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    rotated_at  TEXT
);

-- One accepted event (one signature), stored before the sender got its 200 and counted later by
-- the background processor. `event_key` (Action Network's idempotency key, or the generic
-- format's external id) makes a replay count once, whenever it comes again.
CREATE TABLE webhook_events (
    id                 INTEGER PRIMARY KEY,
    petition_id        INTEGER NOT NULL REFERENCES petitions (id),
    kind               TEXT    NOT NULL CHECK (kind IN ('actionnetwork', 'generic')),
    event_key          TEXT    NOT NULL,
    external_id        TEXT,
    email_hash         TEXT,
    name_postal_hash   TEXT,
    sealed_name        BLOB,
    sealed_postal_code BLOB,
    sealed_email       BLOB,
    sealed_phone       BLOB,
    signed_at          TEXT    NOT NULL,
    referral           TEXT,
    status             TEXT    NOT NULL DEFAULT 'pending'
                               CHECK (status IN ('pending', 'counted', 'duplicate', 'dropped',
                                                 'failed')),
    attempts           INTEGER NOT NULL DEFAULT 0,
    next_attempt_at    TEXT,
    last_error         TEXT,
    received_at        TEXT    NOT NULL,
    processed_at       TEXT,
    -- working columns of the counting step (the same as import_rows')
    batch              INTEGER,
    signer_id          INTEGER,
    outcome            TEXT,
    referral_code_id   INTEGER,
    drive_id           INTEGER,
    UNIQUE (petition_id, event_key)
);
CREATE INDEX webhook_events_pending ON webhook_events (petition_id, id) WHERE status = 'pending';
CREATE INDEX webhook_events_by_batch ON webhook_events (batch, id) WHERE batch IS NOT NULL;
