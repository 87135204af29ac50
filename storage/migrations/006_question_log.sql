-- The question log (issue 12): typed questions the bot could not answer with
-- confidence, for the content maintainers, WITHOUT personal data.
-- * text is de-identified before it gets here (bot/deidentify.py: names,
--   addresses, postcodes, phone numbers, e-mail addresses, dates, ages and
--   numbers replaced by [NAAM], [ADRES], …); at most 200 characters;
-- * the text of a safety message (urgent/concern) is never logged;
-- * asked_on is the day only, not the time;
-- * user_id only serves the cap per user per day and /verwijder (ON DELETE
--   CASCADE); `checkbot unanswered` never shows it;
-- * storage/question_log.py caps the rows (per user per day, in total) and
--   removes rows older than 180 days.
CREATE TABLE question_log (
    id       INTEGER PRIMARY KEY,
    user_id  INTEGER REFERENCES users(id) ON DELETE CASCADE,
    kind     TEXT NOT NULL,          -- "unsure" | "none"
    text     TEXT NOT NULL,          -- de-identified
    asked_on TEXT NOT NULL           -- YYYY-MM-DD (UTC)
);
CREATE INDEX question_log_user_day ON question_log(user_id, asked_on);
CREATE INDEX question_log_day ON question_log(asked_on);

-- The old table kept questions word for word (up to 200 characters), names and
-- phone numbers included, also after /verwijder: it goes, rows and all, not into the new log.
DROP TABLE unanswered_questions;
