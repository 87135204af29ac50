-- Updates that were received but cannot be applied, kept aside instead of
-- blocking the bot: one the library cannot parse (a new Bot API field, a
-- changed shape), or one whose processing failed deterministically (a bug).
-- Telegram is told they were received; the health check counts them; they
-- are forgotten after a while like processed_updates, and /verwijder removes
-- the user's own (user_key). reason names the exception type, never content.
CREATE TABLE quarantine (
    id          INTEGER PRIMARY KEY,
    update_id   INTEGER,                  -- NULL when the update had none
    payload     TEXT NOT NULL,            -- the update as JSON, as received
    reason      TEXT NOT NULL,            -- "unparseable: KeyError", "failed: ValueError"
    user_key    TEXT,                     -- "tg:<telegram user id>" when it could be read
    received_at TEXT NOT NULL
);
CREATE INDEX quarantine_user ON quarantine(user_key);
CREATE INDEX quarantine_update ON quarantine(update_id);

-- Whose update an inbox row is ("tg:<id>"), so that deleting a user's data
-- removes the inbox copy of their last taps in the same transaction.
ALTER TABLE inbox ADD COLUMN user_key TEXT;
CREATE INDEX inbox_user ON inbox(user_key);
CREATE INDEX processed_updates_at ON processed_updates(processed_at);
