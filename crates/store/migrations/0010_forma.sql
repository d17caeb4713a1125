-- gatehouse schema, version 10: Forma REST tokens, single-use markers and course categories
-- (issue #6). Numbers 0010 and up are the Forma dialect's.

-- Single-use markers: replay cache of Forma signatures and one-time SSO links. Only the
-- SHA-256 of the key is stored; the primary key makes a claim win exactly once across
-- instances.
CREATE TABLE single_use_markers (
    scope TEXT NOT NULL,
    key_hash TEXT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (scope, key_hash)
);

CREATE INDEX single_use_markers_expiry ON single_use_markers (scope, expires_at);

-- Forma GENERATED_TOKEN tokens: one row per user (re-authenticating replaces it), token
-- kept as its SHA-256 only (D12).
CREATE TABLE forma_rest_tokens (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE UNIQUE INDEX forma_rest_tokens_hash ON forma_rest_tokens (token_hash);

-- Course categories of Forma's catalogue; courses name theirs in courses.category by id.
CREATE TABLE course_categories (
    id {{id}},
    parent_id BIGINT NOT NULL DEFAULT 0,
    name TEXT NOT NULL
);
