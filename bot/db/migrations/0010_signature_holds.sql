-- Signatures held for an organizer's review (abuse limits): a new Discord account, or a burst of
-- young ones. The signature itself is a `signatures` row with status 'pending' (counted nowhere);
-- this row says why it is held and disappears when an organizer accepts or rejects it, or when
-- the member withdraws it. The account's creation time is derived from its public Discord id.
CREATE TABLE signature_holds (
    signature_id       INTEGER PRIMARY KEY REFERENCES signatures (id) ON DELETE CASCADE,
    guild_id           INTEGER NOT NULL,
    petition_id        INTEGER NOT NULL REFERENCES petitions (id),
    reason             TEXT    NOT NULL CHECK (reason IN ('new_account', 'burst')),
    account_created_at TEXT    NOT NULL,
    held_at            TEXT    NOT NULL
);
CREATE INDEX signature_holds_by_guild ON signature_holds (guild_id, signature_id);
