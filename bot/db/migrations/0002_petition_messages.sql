-- Messages that show a petition (from /petition show), refreshed in place as its count changes.
CREATE TABLE petition_messages (
    message_id  INTEGER PRIMARY KEY,
    petition_id INTEGER NOT NULL REFERENCES petitions (id),
    guild_id    INTEGER NOT NULL,
    channel_id  INTEGER NOT NULL,
    with_manage INTEGER NOT NULL DEFAULT 0,
    language    TEXT    NOT NULL DEFAULT 'en',
    created_at  TEXT    NOT NULL
);
CREATE INDEX petition_messages_by_petition ON petition_messages (petition_id, message_id);
