-- gatehouse schema, version 4: coreBOS challenges, sessions and CRM records (issue #5).

-- Outstanding login challenges; several per user (D1). A row is consumed by setting
-- consumed = 1 with a guarded UPDATE, so exactly one login wins even across instances.
CREATE TABLE challenges (
    id {{id}},
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token TEXT NOT NULL,
    consumed BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE INDEX challenges_user ON challenges (user_id, expires_at);

-- Sessions of every kind (coreBOS web service, the browser cookie of D15). Only the
-- SHA-256 of the id is stored (D12): a copy of the table opens no session.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL
);

CREATE INDEX sessions_user ON sessions (user_id);

CREATE INDEX sessions_last_seen ON sessions (kind, last_seen_at);

CREATE INDEX challenges_expiry ON challenges (expires_at);

-- CRM records of the coreBOS modules, fields as a JSON object of strings.
CREATE TABLE crm_records (
    id {{id}},
    module TEXT NOT NULL,
    fields TEXT NOT NULL,
    assigned_user_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    modified_at BIGINT NOT NULL
);

CREATE INDEX crm_records_module ON crm_records (module, id);
