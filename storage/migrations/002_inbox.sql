-- What is never lost (the same words as in bot/telegram/dispatch.py and the README):
-- Every update is written to the inbox before Telegram is told it was
-- received. Its effect and its update id are committed together, in one
-- transaction. The inbox row stays until the reply has been sent; then it is
-- removed in the next transaction that is written anyway, and at the latest
-- 30 seconds later. At start-up the inbox is processed again: an update that
-- was not applied yet is applied now, and a user whose last update was
-- applied already is shown their current place, once. So a crash at any
-- moment loses no update, none takes effect twice, and a crash between an
-- effect and its reply still ends with the user seeing their place.
CREATE TABLE inbox (
    update_id   INTEGER PRIMARY KEY,
    payload     TEXT NOT NULL,   -- the update as JSON
    received_at TEXT NOT NULL
);
