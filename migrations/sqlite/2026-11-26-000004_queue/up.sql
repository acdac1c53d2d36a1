-- The hall queue (排队叫号, R-2.2.1.4, R-2.5): settings per hall, the items each window serves,
-- staff on duty, tickets with their daily numbers, every visit as intervals, appointment slots
-- and bookings, and the front desk's enquiries. Times are Unix milliseconds (UTC). An applicant's
-- ID number is kept only sealed (id_sealed) with its keyed hash (id_blind); statistics keep the
-- age band, never the number.
CREATE TABLE queue_settings (
    hall_id BIGINT PRIMARY KEY REFERENCES halls(id),
    clear_at_night BOOLEAN NOT NULL,
    max_misses BIGINT NOT NULL,
    appointment_boost_min BIGINT NOT NULL,
    priority_classes TEXT NOT NULL,
    default_service_min BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE queue_window_items (
    window_id BIGINT NOT NULL REFERENCES windows(id),
    item_code TEXT NOT NULL,
    PRIMARY KEY (window_id, item_code)
);

CREATE TABLE queue_window_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    window_id BIGINT NOT NULL REFERENCES windows(id),
    hall_id BIGINT NOT NULL REFERENCES halls(id),
    user_id BIGINT NOT NULL REFERENCES users(id),
    signed_in_at BIGINT NOT NULL,
    signed_out_at BIGINT
);
CREATE INDEX queue_window_sessions_window ON queue_window_sessions(window_id, signed_out_at);
CREATE INDEX queue_window_sessions_user ON queue_window_sessions(user_id, signed_out_at);

CREATE TABLE queue_numbers (
    area_id BIGINT NOT NULL REFERENCES hall_areas(id),
    day TEXT NOT NULL,
    last BIGINT NOT NULL,
    PRIMARY KEY (area_id, day)
);

-- A ticket's hot row: what call-next reads and every action changes (kept narrow); the rest
-- of the visit is in queue_ticket_details.
CREATE TABLE queue_tickets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hall_id BIGINT NOT NULL REFERENCES halls(id),
    area_id BIGINT NOT NULL REFERENCES hall_areas(id),
    number TEXT NOT NULL,
    day TEXT NOT NULL,
    item_code TEXT,
    item_group TEXT,
    rank_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    window_id BIGINT REFERENCES windows(id),
    target_window_id BIGINT REFERENCES windows(id),
    staff_id BIGINT REFERENCES users(id),
    misses BIGINT NOT NULL,
    taken_at BIGINT NOT NULL,
    called_at BIGINT,
    finished_at BIGINT,
    UNIQUE (hall_id, day, number)
);
CREATE INDEX queue_tickets_next ON queue_tickets(area_id, status, rank_at, id);
CREATE INDEX queue_tickets_window ON queue_tickets(window_id, status);
CREATE INDEX queue_tickets_hall_taken ON queue_tickets(hall_id, taken_at);
CREATE INDEX queue_tickets_open_day ON queue_tickets(status, day);

CREATE TABLE queue_ticket_details (
    ticket_id BIGINT PRIMARY KEY REFERENCES queue_tickets(id),
    first_area_id BIGINT NOT NULL REFERENCES hall_areas(id),
    channel TEXT NOT NULL,
    priority_class TEXT,
    void_reason TEXT,
    case_id BIGINT REFERENCES cases(id),
    appointment_id BIGINT,
    id_blind TEXT,
    age_band TEXT
);

CREATE TABLE queue_intervals (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ticket_id BIGINT NOT NULL REFERENCES queue_tickets(id),
    hall_id BIGINT NOT NULL REFERENCES halls(id),
    area_id BIGINT NOT NULL REFERENCES hall_areas(id),
    window_id BIGINT REFERENCES windows(id),
    staff_id BIGINT REFERENCES users(id),
    state TEXT NOT NULL,
    started_at BIGINT NOT NULL,
    ended_at BIGINT,
    ended_by TEXT
);
CREATE INDEX queue_intervals_ticket ON queue_intervals(ticket_id, id);
CREATE INDEX queue_intervals_hall ON queue_intervals(hall_id, started_at);

CREATE TABLE queue_slots (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hall_id BIGINT NOT NULL REFERENCES halls(id),
    area_id BIGINT NOT NULL REFERENCES hall_areas(id),
    item_code TEXT,
    starts_at BIGINT NOT NULL,
    ends_at BIGINT NOT NULL,
    capacity BIGINT NOT NULL,
    booked BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX queue_slots_hall ON queue_slots(hall_id, starts_at);

CREATE TABLE queue_appointments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slot_id BIGINT NOT NULL REFERENCES queue_slots(id),
    hall_id BIGINT NOT NULL REFERENCES halls(id),
    status TEXT NOT NULL,
    applicant_name TEXT NOT NULL,
    id_sealed TEXT NOT NULL,
    id_blind TEXT NOT NULL,
    id_masked TEXT NOT NULL,
    age_band TEXT NOT NULL,
    channel TEXT NOT NULL,
    booked_at BIGINT NOT NULL,
    changed_at BIGINT NOT NULL,
    ticket_id BIGINT REFERENCES queue_tickets(id)
);
CREATE INDEX queue_appointments_slot ON queue_appointments(slot_id, status);
CREATE INDEX queue_appointments_blind ON queue_appointments(id_blind);

CREATE TABLE queue_desk_enquiries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hall_id BIGINT NOT NULL REFERENCES halls(id),
    item_code TEXT,
    question TEXT NOT NULL,
    answer TEXT NOT NULL,
    referral TEXT,
    ticket_id BIGINT REFERENCES queue_tickets(id),
    desk_wait_ms BIGINT NOT NULL,
    staff_id BIGINT REFERENCES users(id),
    at BIGINT NOT NULL
);
CREATE INDEX queue_desk_enquiries_hall ON queue_desk_enquiries(hall_id, at);
