-- gatehouse schema, version 20: PBX records of the Wildix dialect (issue #7).
-- Call queues and their members, call history (originated calls included), sounds,
-- user extensions, and the replay marks of Wildix tokens (shared by every instance).

CREATE TABLE pbx_queues (
    id {{id}},
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    strategy TEXT NOT NULL DEFAULT 'ringall',
    created_at BIGINT NOT NULL
);

CREATE UNIQUE INDEX pbx_queues_name ON pbx_queues (name);

CREATE TABLE pbx_queue_members (
    queue_id BIGINT NOT NULL REFERENCES pbx_queues (id) ON DELETE CASCADE,
    interface TEXT NOT NULL,
    dynamic BIGINT NOT NULL DEFAULT 0,
    position BIGINT NOT NULL,
    PRIMARY KEY (queue_id, interface)
);

CREATE TABLE pbx_calls (
    id {{id}},
    started_at BIGINT NOT NULL,
    ended_at BIGINT NOT NULL,
    src TEXT NOT NULL DEFAULT '',
    dst TEXT NOT NULL DEFAULT '',
    billsec BIGINT NOT NULL DEFAULT 0,
    disposition TEXT NOT NULL DEFAULT '',
    channel TEXT NOT NULL DEFAULT '',
    context TEXT NOT NULL DEFAULT '',
    callerid TEXT NOT NULL DEFAULT '',
    originated BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX pbx_calls_started_at ON pbx_calls (started_at);

CREATE TABLE pbx_sounds (
    id {{id}},
    directory TEXT NOT NULL,
    name TEXT NOT NULL,
    text TEXT NOT NULL DEFAULT '',
    voice TEXT NOT NULL DEFAULT '',
    audio_file TEXT,
    created_at BIGINT NOT NULL
);

CREATE UNIQUE INDEX pbx_sounds_directory_name ON pbx_sounds (directory, name);

CREATE TABLE pbx_extensions (
    user_id BIGINT PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    extension TEXT NOT NULL
);

CREATE UNIQUE INDEX pbx_extensions_extension ON pbx_extensions (extension);

-- SHA-256 of a used token; a row past expires_at may be taken again.
CREATE TABLE wildix_replay (
    token_hash TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
