-- checkbot schema, version 1: users, assessments and their members, answers
-- with history, each user's place in the conversation, processed updates.
-- Timestamps are UTC ISO-8601 text ("2026-11-28T21:09:25Z").

CREATE TABLE users (
    id             INTEGER PRIMARY KEY,
    external_id    TEXT NOT NULL UNIQUE,      -- "tg:<telegram user id>" or "console:<name>"
    display_name   TEXT,                      -- first name, shown to team members
    created_at     TEXT NOT NULL,
    last_seen_at   TEXT NOT NULL,
    active_assessment_id INTEGER REFERENCES assessments(id) ON DELETE SET NULL
);

CREATE TABLE assessments (
    id                INTEGER PRIMARY KEY,
    municipality_code TEXT NOT NULL,          -- CBS code, "GM0153"
    round             INTEGER NOT NULL DEFAULT 1,
    created_by        INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at        TEXT NOT NULL,
    completed_at      TEXT
);
CREATE INDEX assessments_municipality ON assessments(municipality_code);

CREATE TABLE members (
    assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role          TEXT NOT NULL CHECK (role IN ('coordinator', 'member')),
    joined_at     TEXT NOT NULL,
    PRIMARY KEY (assessment_id, user_id)
) WITHOUT ROWID;
CREATE INDEX members_user ON members(user_id);

-- Every answer ever given; the current one per check has superseded_at NULL.
CREATE TABLE answers (
    id            INTEGER PRIMARY KEY,
    assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    check_id      TEXT NOT NULL,
    answer        TEXT NOT NULL CHECK (answer IN ('ja', 'deels', 'nee', 'onbekend')),
    note          TEXT,
    answered_by   INTEGER REFERENCES users(id) ON DELETE SET NULL,
    answered_at   TEXT NOT NULL,
    superseded_at TEXT
);
CREATE UNIQUE INDEX answers_current ON answers(assessment_id, check_id) WHERE superseded_at IS NULL;
CREATE INDEX answers_by ON answers(answered_by);

-- Where each user is in the conversation: a small JSON document
-- ({"screen": "question", "check": "2.3", ...}) for their active assessment.
CREATE TABLE conversations (
    user_id    INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    state      TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- The last check each member looked at, per assessment, so that switching
-- between assessments and colleagues resuming never share a position.
CREATE TABLE positions (
    user_id       INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    check_id      TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    PRIMARY KEY (user_id, assessment_id)
) WITHOUT ROWID;

-- Transport updates already applied (Telegram update_id), recorded in the
-- same transaction as their effect so a redelivered update applies once.
CREATE TABLE processed_updates (
    update_id    INTEGER PRIMARY KEY,
    processed_at TEXT NOT NULL
);
