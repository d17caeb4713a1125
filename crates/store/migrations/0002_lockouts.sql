-- gatehouse schema: failure counters and lockouts (D8), shared by every instance.
--
-- One row per subject (kind 'username' with the ASCII-lowercased name, or 'ip'). A failure
-- updates the row first, so on PostgreSQL the row is locked before it is read and concurrent
-- failures on several instances are all counted.
CREATE TABLE lockouts (
    subject_kind TEXT NOT NULL,
    subject_key TEXT NOT NULL,
    failures BIGINT NOT NULL DEFAULT 0,
    level BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    last_failure BIGINT,
    PRIMARY KEY (subject_kind, subject_key)
);

CREATE INDEX lockouts_last_failure ON lockouts (last_failure);
