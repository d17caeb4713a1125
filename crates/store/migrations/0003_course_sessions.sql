-- gatehouse schema, version 3: course sessions and course descriptions (issue #4).
--
-- Same conventions as version 1: {{id}} is the engine's auto-increment primary key,
-- portable types only (BIGINT, TEXT), timestamps as integer Unix microseconds (UTC),
-- statements end with a semicolon at the end of a line.

-- Chamilo's sessions: time-boxed groupings of courses and users. Visibility is stored by
-- name (read_only, visible, invisible, available); Chamilo's 1-4 are mapped in the dialect.
CREATE TABLE course_sessions (
    id {{id}},
    name TEXT NOT NULL,
    -- Deleting the coach leaves the session without one rather than deleting it.
    coach_id BIGINT REFERENCES users (id) ON DELETE SET NULL,
    access_start BIGINT,
    access_end BIGINT,
    coach_access_start BIGINT,
    coach_access_end BIGINT,
    visibility TEXT NOT NULL DEFAULT 'read_only',
    description TEXT NOT NULL DEFAULT '',
    duration_days BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- Chamilo refuses a second session with the same name.
CREATE UNIQUE INDEX course_sessions_name ON course_sessions (name);

CREATE INDEX course_sessions_coach ON course_sessions (coach_id);

-- Memberships go with the session, the user or the course (ON DELETE CASCADE).
CREATE TABLE session_users (
    session_id BIGINT NOT NULL REFERENCES course_sessions (id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, user_id)
);

CREATE INDEX session_users_user ON session_users (user_id, session_id);

CREATE TABLE session_courses (
    session_id BIGINT NOT NULL REFERENCES course_sessions (id) ON DELETE CASCADE,
    course_id BIGINT NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (session_id, course_id)
);

CREATE INDEX session_courses_course ON session_courses (course_id, session_id);

-- Chamilo's eight typed description sections of a course (kind 1-8), one row per kind.
CREATE TABLE course_descriptions (
    course_id BIGINT NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    kind BIGINT NOT NULL CHECK (kind BETWEEN 1 AND 8),
    title TEXT NOT NULL DEFAULT '',
    content TEXT NOT NULL DEFAULT '',
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (course_id, kind)
);
