-- Team invites. Only a hash of the invite code is stored: the code itself is
-- a secret that lives in the link the coordinator shares.
CREATE TABLE invites (
    id            INTEGER PRIMARY KEY,
    assessment_id INTEGER NOT NULL REFERENCES assessments(id) ON DELETE CASCADE,
    code_hash     TEXT NOT NULL UNIQUE,     -- sha256 of the code, hex
    created_by    INTEGER REFERENCES users(id) ON DELETE SET NULL,
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL,
    max_uses      INTEGER NOT NULL,
    revoked_at    TEXT
);
CREATE INDEX invites_assessment ON invites(assessment_id);

-- Who joined through which invite: once per person, at most max_uses people.
CREATE TABLE invite_uses (
    invite_id INTEGER NOT NULL REFERENCES invites(id) ON DELETE CASCADE,
    user_id   INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    used_at   TEXT NOT NULL,
    PRIMARY KEY (invite_id, user_id)
) WITHOUT ROWID;
