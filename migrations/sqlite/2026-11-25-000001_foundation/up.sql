-- Foundation: organisation, access, audit and events. Times are Unix milliseconds (UTC).
CREATE TABLE regions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    level TEXT NOT NULL,
    parent_id BIGINT REFERENCES regions(id),
    path TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX regions_path ON regions(path);

CREATE TABLE departments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (region_id, code)
);

CREATE TABLE halls (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE hall_areas (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hall_id BIGINT NOT NULL REFERENCES halls(id),
    prefix TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (hall_id, prefix)
);

CREATE TABLE windows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hall_id BIGINT NOT NULL REFERENCES halls(id),
    area_id BIGINT REFERENCES hall_areas(id),
    department_id BIGINT REFERENCES departments(id),
    number TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (hall_id, number)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    region_id BIGINT NOT NULL REFERENCES regions(id),
    department_id BIGINT REFERENCES departments(id),
    phone_enc TEXT,
    active BOOLEAN NOT NULL,
    failed_logins INTEGER NOT NULL,
    locked_until BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX users_region ON users(region_id);

CREATE TABLE roles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    title TEXT NOT NULL,
    builtin BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE role_permissions (
    role_id BIGINT NOT NULL REFERENCES roles(id),
    permission TEXT NOT NULL,
    PRIMARY KEY (role_id, permission)
);

CREATE TABLE user_roles (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users(id),
    role_id BIGINT NOT NULL REFERENCES roles(id),
    scope_kind TEXT NOT NULL,
    scope_id BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX user_roles_user ON user_roles(user_id);

CREATE TABLE modules (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE module_grants (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    module_id BIGINT NOT NULL REFERENCES modules(id),
    role_id BIGINT REFERENCES roles(id),
    user_id BIGINT REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX module_grants_module ON module_grants(module_id);

CREATE TABLE tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users(id),
    name TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT
);
CREATE INDEX tokens_user ON tokens(user_id);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    actor_id BIGINT,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    region_id BIGINT,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);

CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id BIGINT NOT NULL,
    region_id BIGINT,
    department_id BIGINT,
    owner_id BIGINT,
    payload TEXT NOT NULL
);
