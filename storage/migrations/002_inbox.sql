-- Updates received from Telegram but not yet applied. Telegram forgets an
-- update once the bot asks for the next offset, which PTB-style polling does
-- before the update is processed; keeping it here first means a crash in that
-- window loses nothing. A row is removed in the same transaction as the
-- update's effect (or right after an update that has no stored effect).
CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    payload     TEXT NOT NULL,   -- the update as JSON
    received_at TEXT NOT NULL
);
