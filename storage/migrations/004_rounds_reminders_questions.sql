-- Yearly rounds: a new round of the same municipality points to the one before.
ALTER TABLE assessments ADD COLUMN previous_id INTEGER REFERENCES assessments(id) ON DELETE SET NULL;

-- Reminders are off until the user turns them on (/herinnering); offered once.
-- reminded_at: when the last reminder went out; one per period of inactivity.
ALTER TABLE users ADD COLUMN reminders INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN reminder_offered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN reminded_at TEXT;

-- Free-text questions the bot could not answer with confidence, for the
-- content maintainers; counted per question, without who asked.
CREATE TABLE unanswered_questions (
    question   TEXT PRIMARY KEY,   -- normalised text
    example    TEXT NOT NULL,      -- the first wording seen, at most 200 characters
    count      INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen  TEXT NOT NULL
);
