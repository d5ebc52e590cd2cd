import GRDB
import LiaisonCore

/// The schema this build makes and reads: its last migration (`liaison --version` says it; a
/// test keeps it equal to the migrator's last).
public let sqliteSchemaVersion = "v14 open complaints gauge"

/// The schema, as named migrations. Never edit one that has shipped; add a new one.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()

        migrator.registerMigration("v1 spatial metadata") { db in
            // WGS-84 reference systems only: the store holds nothing else.
            try db.expectOne("SELECT InitSpatialMetadata('WGS84')")
        }

        migrator.registerMigration("v1 counties") { db in
            try db.execute(sql: """
                CREATE TABLE counties (
                    adcode    TEXT PRIMARY KEY NOT NULL CHECK (length(adcode) = 6),
                    name      TEXT NOT NULL,
                    city_code TEXT NOT NULL,
                    city_name TEXT NOT NULL
                )
                """)
            try db.expectOne("SELECT AddGeometryColumn('counties', 'geom', 4326, 'MULTIPOLYGON', 'XY', 1)")
            try db.expectOne("SELECT CreateSpatialIndex('counties', 'geom')")
        }

        migrator.registerMigration("v1 stations") { db in
            // address, hours, modes and staff are JSON texts; the domain validates their shape.
            try db.execute(sql: """
                CREATE TABLE stations (
                    id          TEXT PRIMARY KEY NOT NULL
                                CHECK (id GLOB '[0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9]'),
                    county_code TEXT NOT NULL REFERENCES counties(adcode),
                    name        TEXT NOT NULL,
                    address     TEXT NOT NULL,
                    phone       TEXT NOT NULL,
                    hours       TEXT NOT NULL,
                    modes       TEXT NOT NULL,
                    capacity    INTEGER NOT NULL CHECK (capacity BETWEEN 1 AND 1000),
                    status      TEXT NOT NULL CHECK (status IN ('active', 'retired')),
                    staff       TEXT NOT NULL,
                    created_at  TEXT NOT NULL,
                    updated_at  TEXT NOT NULL
                )
                """)
            try db.execute(sql: "CREATE INDEX stations_county ON stations(county_code)")
            try db.expectOne("SELECT AddGeometryColumn('stations', 'geom', 4326, 'POINT', 'XY', 1)")
            try db.expectOne("SELECT CreateSpatialIndex('stations', 'geom')")
        }

        migrator.registerMigration("v2 tokens") { db in
            // Only the SHA-256 digest of a token is kept; the token itself is shown once.
            try db.execute(sql: """
                CREATE TABLE tokens (
                    name       TEXT PRIMARY KEY NOT NULL CHECK (length(name) BETWEEN 1 AND 64),
                    role       TEXT NOT NULL,
                    digest     BLOB NOT NULL UNIQUE CHECK (length(digest) = 32),
                    created_at TEXT NOT NULL,
                    revoked_at TEXT
                )
                """)
        }

        migrator.registerMigration("v2 station history") { db in
            // Append-only: who changed which station when, with the record before and after (JSON).
            try db.execute(sql: """
                CREATE TABLE station_history (
                    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
                    station_id TEXT NOT NULL REFERENCES stations(id),
                    at         TEXT NOT NULL,
                    actor      TEXT NOT NULL,
                    action     TEXT NOT NULL CHECK (action IN ('create', 'update', 'retire', 'import')),
                    reason     TEXT,
                    before     TEXT,
                    after      TEXT NOT NULL
                )
                """)
            try db.execute(sql: "CREATE INDEX station_history_station ON station_history(station_id, seq)")
        }

        migrator.registerMigration("v3 complaints") { db in
            // A complaint row holds its current state; complaint_events holds how it got there.
            // lat/lng are the WGS-84 doubles the assignment used; geom is the same point for GIS.
            try db.execute(sql: """
                CREATE TABLE complaints (
                    number            TEXT PRIMARY KEY NOT NULL
                                      CHECK (number GLOB 'ZJ-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]'),
                    tracking_token    TEXT NOT NULL UNIQUE,
                    status            TEXT NOT NULL CHECK (status IN ('submitted', 'assigned', 'accepted', 'refused', 'mediating',
                                                                      'resolved', 'failed', 'closed', 'withdrawn')),
                    category          TEXT NOT NULL,
                    description       TEXT NOT NULL,
                    amount_fen        INTEGER CHECK (amount_fen IS NULL OR amount_fen > 0),
                    preferred_mode    TEXT NOT NULL CHECK (preferred_mode IN ('offline', 'video')),
                    mode              TEXT NOT NULL CHECK (mode IN ('offline', 'video')),
                    consumer_name     TEXT NOT NULL,
                    consumer_phone    TEXT NOT NULL,
                    merchant_name     TEXT NOT NULL,
                    merchant_address  TEXT,
                    lat               REAL NOT NULL,
                    lng               REAL NOT NULL,
                    given_lat         REAL NOT NULL,
                    given_lng         REAL NOT NULL,
                    coordsys          TEXT NOT NULL,
                    county_code       TEXT NOT NULL REFERENCES counties(adcode),
                    station_id        TEXT REFERENCES stations(id),
                    distance_m        REAL,
                    assignment_reason TEXT,
                    submitted_at      TEXT NOT NULL,
                    updated_at        TEXT NOT NULL,
                    appointment_starts_at TEXT,
                    appointment_ends_at   TEXT,
                    appointment_confirmed INTEGER,
                    video_room            TEXT UNIQUE,
                    video_scheduled_at    TEXT,
                    video_confirmed       INTEGER,
                    satisfaction      INTEGER CHECK (satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5),
                    feedback_comment  TEXT,
                    feedback_at       TEXT,
                    dispatch_by       TEXT,
                    respond_by        TEXT,
                    acceptance_by     TEXT,
                    mediation_by      TEXT,
                    -- When each service-level clock stopped (NULL: not yet), for the KPIs.
                    dispatched_at     TEXT,
                    responded_at      TEXT,
                    accepted_at       TEXT,
                    outcome           TEXT CHECK (outcome IS NULL OR outcome IN ('resolved', 'failed')),
                    outcome_at        TEXT,
                    -- Deadlines already reported overdue, one bit each (ServiceDeadline).
                    overdue           INTEGER NOT NULL DEFAULT 0
                )
                """)
            // Capacity: the open complaints a station holds, found through this partial index.
            try db.execute(sql: """
                CREATE INDEX complaints_open_by_station ON complaints(station_id)
                WHERE status IN ('assigned', 'accepted', 'mediating')
                """)
            try db.execute(sql: "CREATE INDEX complaints_by_station ON complaints(station_id, status, submitted_at)")
            try db.execute(sql: "CREATE INDEX complaints_by_county ON complaints(county_code, submitted_at)")
            // The per-phone rate limit counts a phone's recent complaints.
            try db.execute(sql: "CREATE INDEX complaints_by_phone ON complaints(consumer_phone, submitted_at)")
            try db.expectOne("SELECT AddGeometryColumn('complaints', 'geom', 4326, 'POINT', 'XY', 1)")

            try db.execute(sql: """
                CREATE TABLE complaint_events (
                    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
                    number      TEXT NOT NULL REFERENCES complaints(number),
                    at          TEXT NOT NULL,
                    actor       TEXT NOT NULL,
                    action      TEXT NOT NULL,
                    from_status TEXT,
                    to_status   TEXT NOT NULL,
                    station_id  TEXT,
                    note        TEXT
                )
                """)
            try db.execute(sql: "CREATE INDEX complaint_events_by_number ON complaint_events(number, seq)")
            // Events are append-only, enforced by the database itself.
            try db.execute(sql: """
                CREATE TRIGGER complaint_events_no_update BEFORE UPDATE ON complaint_events
                BEGIN SELECT RAISE(ABORT, 'complaint events are append-only'); END
                """)
            try db.execute(sql: """
                CREATE TRIGGER complaint_events_no_delete BEFORE DELETE ON complaint_events
                BEGIN SELECT RAISE(ABORT, 'complaint events are append-only'); END
                """)

            // An intake retried with the same Idempotency-Key gets the stored first answer.
            try db.execute(sql: """
                CREATE TABLE idempotency_keys (
                    key         TEXT PRIMARY KEY NOT NULL,
                    fingerprint BLOB NOT NULL CHECK (length(fingerprint) = 32),
                    number      TEXT NOT NULL REFERENCES complaints(number),
                    response    BLOB NOT NULL,
                    created_at  TEXT NOT NULL
                )
                """)
        }

        migrator.registerMigration("v3 sms outbox") { db in
            // Written in the transaction of the step it announces; the delivery worker sends
            // and marks them. id is stable (complaint/event/recipient), so gateways can drop repeats.
            try db.execute(sql: """
                CREATE TABLE sms_outbox (
                    id              TEXT PRIMARY KEY NOT NULL,
                    number          TEXT NOT NULL REFERENCES complaints(number),
                    event_seq       INTEGER NOT NULL REFERENCES complaint_events(seq),
                    recipient       TEXT NOT NULL CHECK (recipient IN ('consumer', 'staff')),
                    phone           TEXT NOT NULL,
                    template        TEXT NOT NULL,
                    body            TEXT NOT NULL,
                    status          TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
                    attempts        INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at TEXT NOT NULL,
                    last_error      TEXT,
                    created_at      TEXT NOT NULL,
                    sent_at         TEXT
                )
                """)
            try db.execute(sql: "CREATE INDEX sms_outbox_due ON sms_outbox(next_attempt_at) WHERE status = 'pending'")
            try db.execute(sql: "CREATE INDEX sms_outbox_by_number ON sms_outbox(number)")
        }

        migrator.registerMigration("v4 register version") { db in
            // One counter that every change of the register bumps, whichever process (or tool)
            // writes: a serving process polls it and rebuilds its snapshot when it moves.
            try db.execute(sql: """
                CREATE TABLE register_version (
                    id      INTEGER PRIMARY KEY CHECK (id = 1),
                    version INTEGER NOT NULL
                );
                INSERT INTO register_version (id, version) VALUES (1, 1);
                """)
            for table in ["stations", "counties"] {
                for change in ["INSERT", "UPDATE", "DELETE"] {
                    try db.execute(sql: """
                        CREATE TRIGGER \(table)_\(change.lowercased())_bumps_register_version AFTER \(change) ON \(table)
                        BEGIN UPDATE register_version SET version = version + 1 WHERE id = 1; END
                        """)
                }
            }
        }

        migrator.registerMigration("v4 sms claims and leases") { db in
            // A sender claims a due message until claim_expires_at before calling the gateway,
            // so two processes never send it at once; a claim that expires (its sender died) is
            // taken again.
            try db.execute(sql: "ALTER TABLE sms_outbox ADD COLUMN claimed_by TEXT")
            try db.execute(sql: "ALTER TABLE sms_outbox ADD COLUMN claim_expires_at TEXT")
            // Work that one process at a time may do (the complaint watch): held until expires_at.
            try db.execute(sql: """
                CREATE TABLE leases (
                    name       TEXT PRIMARY KEY NOT NULL,
                    holder     TEXT NOT NULL,
                    expires_at TEXT NOT NULL
                )
                """)
        }

        migrator.registerMigration("v5 merchant cases, borders, ratings") { db in
            // Complaints about one merchant (same credit code, or same name key within 200 m)
            // share a case; lat/lng are where its first complaint was.
            try db.execute(sql: """
                CREATE TABLE merchant_cases (
                    id            INTEGER PRIMARY KEY AUTOINCREMENT,
                    merchant_code TEXT UNIQUE,
                    merchant_key  TEXT NOT NULL,
                    name          TEXT NOT NULL,
                    county_code   TEXT NOT NULL,
                    lat           REAL NOT NULL,
                    lng           REAL NOT NULL,
                    created_at    TEXT NOT NULL
                );
                CREATE INDEX merchant_cases_by_key ON merchant_cases(merchant_key, lat);
                ALTER TABLE complaints ADD COLUMN merchant_code TEXT;
                ALTER TABLE complaints ADD COLUMN merchant_key TEXT;
                ALTER TABLE complaints ADD COLUMN merchant_case INTEGER REFERENCES merchant_cases(id);
                ALTER TABLE complaints ADD COLUMN repeat_of TEXT REFERENCES complaints(number);
                ALTER TABLE complaints ADD COLUMN border_counties TEXT;
                ALTER TABLE complaints ADD COLUMN client TEXT;
                CREATE INDEX complaints_by_case ON complaints(merchant_case, consumer_phone, submitted_at);
                CREATE INDEX complaints_by_client ON complaints(client, number) WHERE client IS NOT NULL;
                CREATE INDEX complaints_near_border ON complaints(status) WHERE border_counties IS NOT NULL;
                """)
            // The complaints filed before cases existed get theirs, in the order they came.
            try MerchantCases.backfill(db)

            // Each station's rating each time its inputs changed: append-only history; the
            // latest row per station is its rating now.
            try db.execute(sql: """
                CREATE TABLE station_ratings (
                    seq              INTEGER PRIMARY KEY AUTOINCREMENT,
                    station_id       TEXT NOT NULL REFERENCES stations(id),
                    computed_at      TEXT NOT NULL,
                    window_from      TEXT NOT NULL,
                    window_to        TEXT NOT NULL,
                    complaints       INTEGER NOT NULL,
                    response_met     INTEGER NOT NULL,
                    response_of      INTEGER NOT NULL,
                    resolution_met   INTEGER NOT NULL,
                    resolution_of    INTEGER NOT NULL,
                    satisfaction_met INTEGER NOT NULL,
                    satisfaction_of  INTEGER NOT NULL,
                    score            REAL,
                    stars            INTEGER CHECK (stars IS NULL OR stars BETWEEN 1 AND 5),
                    formula          TEXT NOT NULL
                );
                CREATE INDEX station_ratings_by_station ON station_ratings(station_id, seq);
                CREATE TRIGGER station_ratings_no_update BEFORE UPDATE ON station_ratings
                BEGIN SELECT RAISE(ABORT, 'station ratings are append-only'); END;
                CREATE TRIGGER station_ratings_no_delete BEFORE DELETE ON station_ratings
                BEGIN SELECT RAISE(ABORT, 'station ratings are append-only'); END;
                -- Ratings are shown from the snapshot: a new one makes every process reload.
                CREATE TRIGGER station_ratings_insert_bumps_register_version AFTER INSERT ON station_ratings
                BEGIN UPDATE register_version SET version = version + 1 WHERE id = 1; END;
                -- When a periodic job last ran (the daily rating).
                CREATE TABLE job_runs (
                    name    TEXT PRIMARY KEY NOT NULL,
                    last_at TEXT NOT NULL
                );
                """)
        }

        migrator.registerMigration("v6 direct train, urgent track, reviews, court hand-off") { db in
            // The enterprise register. An enrolled enterprise's API key is a token
            // `enterprise-CODE` with role `enterprise:CODE` (digest only).
            try db.execute(sql: """
                CREATE TABLE enterprises (
                    credit_code   TEXT PRIMARY KEY NOT NULL CHECK (length(credit_code) = 18),
                    name          TEXT NOT NULL,
                    merchant_id   TEXT UNIQUE,
                    contact_name  TEXT NOT NULL,
                    contact_phone TEXT NOT NULL,
                    enrolled_at   TEXT,
                    settle_days   INTEGER CHECK (settle_days IS NULL OR settle_days BETWEEN 1 AND 30),
                    created_at    TEXT NOT NULL,
                    updated_at    TEXT NOT NULL
                );
                CREATE INDEX enterprises_enrolled ON enterprises(credit_code) WHERE enrolled_at IS NOT NULL;
                """)
            // Two new states need a new CHECK on complaints.status: SQLite changes a CHECK only by
            // rebuilding the table (https://sqlite.org/lang_altertable.html#otheralter). The
            // SpatiaLite point column is unregistered first and registered again from the copied rows.
            try db.expectOne("SELECT DiscardGeometryColumn('complaints', 'geom')")
            try db.execute(sql: """
                CREATE TABLE complaints_v6 (
                    number            TEXT PRIMARY KEY NOT NULL
                                      CHECK (number GLOB 'ZJ-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]-[0-9][0-9][0-9][0-9][0-9][0-9]'),
                    tracking_token    TEXT NOT NULL UNIQUE,
                    status            TEXT NOT NULL CHECK (status IN ('submitted', 'assigned', 'accepted', 'refused', 'mediating',
                                                                      'resolved', 'failed', 'closed', 'withdrawn',
                                                                      'with_enterprise', 'settlement_offered')),
                    category          TEXT NOT NULL,
                    description       TEXT NOT NULL,
                    amount_fen        INTEGER CHECK (amount_fen IS NULL OR amount_fen > 0),
                    preferred_mode    TEXT NOT NULL CHECK (preferred_mode IN ('offline', 'video')),
                    mode              TEXT NOT NULL CHECK (mode IN ('offline', 'video')),
                    consumer_name     TEXT NOT NULL,
                    consumer_phone    TEXT NOT NULL,
                    merchant_name     TEXT NOT NULL,
                    merchant_address  TEXT,
                    lat               REAL NOT NULL,
                    lng               REAL NOT NULL,
                    given_lat         REAL NOT NULL,
                    given_lng         REAL NOT NULL,
                    coordsys          TEXT NOT NULL,
                    county_code       TEXT NOT NULL REFERENCES counties(adcode),
                    station_id        TEXT REFERENCES stations(id),
                    distance_m        REAL,
                    assignment_reason TEXT,
                    submitted_at      TEXT NOT NULL,
                    updated_at        TEXT NOT NULL,
                    appointment_starts_at TEXT,
                    appointment_ends_at   TEXT,
                    appointment_confirmed INTEGER,
                    video_room            TEXT UNIQUE,
                    video_scheduled_at    TEXT,
                    video_confirmed       INTEGER,
                    satisfaction      INTEGER CHECK (satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5),
                    feedback_comment  TEXT,
                    feedback_at       TEXT,
                    dispatch_by       TEXT,
                    respond_by        TEXT,
                    acceptance_by     TEXT,
                    mediation_by      TEXT,
                    dispatched_at     TEXT,
                    responded_at      TEXT,
                    accepted_at       TEXT,
                    outcome           TEXT CHECK (outcome IS NULL OR outcome IN ('resolved', 'failed')),
                    outcome_at        TEXT,
                    overdue           INTEGER NOT NULL DEFAULT 0,
                    merchant_code     TEXT,
                    merchant_key      TEXT,
                    merchant_case     INTEGER REFERENCES merchant_cases(id),
                    repeat_of         TEXT REFERENCES complaints(number),
                    border_counties   TEXT,
                    client            TEXT,
                    -- v6: the merchant's platform id; the direct train (enterprise_code NULL: never referred).
                    merchant_id       TEXT,
                    enterprise_code   TEXT REFERENCES enterprises(credit_code),
                    enterprise_name   TEXT,
                    settle_by         TEXT,
                    settlement        TEXT,
                    settlement_at     TEXT,
                    reply_by          TEXT,
                    train_outcome     TEXT CHECK (train_outcome IS NULL OR train_outcome IN
                                          ('settled', 'declined', 'timed_out', 'rejected', 'recalled', 'withdrawn')),
                    train_ended_at    TEXT,
                    -- The urgent track (urgent_reason NULL: not urgent).
                    urgent_reason     TEXT,
                    urgent_at         TEXT,
                    urgent_by         TEXT,
                    urgent_met_at     TEXT,
                    -- The latest review of the outcome (review_trigger NULL: never reviewed).
                    review_trigger    TEXT CHECK (review_trigger IS NULL OR review_trigger IN ('dissatisfied', 'rejected_settlement')),
                    review_opened_at  TEXT,
                    review_by         TEXT,
                    review_finding    TEXT CHECK (review_finding IS NULL OR review_finding IN ('upheld', 'reopened')),
                    review_found_at   TEXT,
                    -- A return visit (visit_queued_at NULL: not sampled).
                    visit_queued_at   TEXT,
                    visit_done_at     TEXT,
                    visit_reached     INTEGER,
                    visit_satisfied   INTEGER,
                    -- The court's mediation a failed mediation went to.
                    court_id          TEXT,
                    handed_off_at     TEXT,
                    geom              BLOB
                );
                INSERT INTO complaints_v6 (number, tracking_token, status, category, description, amount_fen, preferred_mode, mode,
                    consumer_name, consumer_phone, merchant_name, merchant_address, lat, lng, given_lat, given_lng, coordsys, county_code,
                    station_id, distance_m, assignment_reason, submitted_at, updated_at, appointment_starts_at, appointment_ends_at,
                    appointment_confirmed, video_room, video_scheduled_at, video_confirmed, satisfaction, feedback_comment, feedback_at,
                    dispatch_by, respond_by, acceptance_by, mediation_by, dispatched_at, responded_at, accepted_at, outcome, outcome_at,
                    overdue, merchant_code, merchant_key, merchant_case, repeat_of, border_counties, client, geom)
                SELECT number, tracking_token, status, category, description, amount_fen, preferred_mode, mode,
                    consumer_name, consumer_phone, merchant_name, merchant_address, lat, lng, given_lat, given_lng, coordsys, county_code,
                    station_id, distance_m, assignment_reason, submitted_at, updated_at, appointment_starts_at, appointment_ends_at,
                    appointment_confirmed, video_room, video_scheduled_at, video_confirmed, satisfaction, feedback_comment, feedback_at,
                    dispatch_by, respond_by, acceptance_by, mediation_by, dispatched_at, responded_at, accepted_at, outcome, outcome_at,
                    overdue, merchant_code, merchant_key, merchant_case, repeat_of, border_counties, client, geom
                FROM complaints;
                DROP TABLE complaints;
                ALTER TABLE complaints_v6 RENAME TO complaints;
                CREATE INDEX complaints_open_by_station ON complaints(station_id) WHERE status IN ('assigned', 'accepted', 'mediating');
                CREATE INDEX complaints_by_station ON complaints(station_id, status, submitted_at);
                CREATE INDEX complaints_by_county ON complaints(county_code, submitted_at);
                CREATE INDEX complaints_by_phone ON complaints(consumer_phone, submitted_at);
                CREATE INDEX complaints_by_case ON complaints(merchant_case, consumer_phone, submitted_at);
                CREATE INDEX complaints_by_client ON complaints(client, number) WHERE client IS NOT NULL;
                CREATE INDEX complaints_near_border ON complaints(status) WHERE border_counties IS NOT NULL;
                CREATE INDEX complaints_by_enterprise ON complaints(enterprise_code, status, number) WHERE enterprise_code IS NOT NULL;
                CREATE INDEX complaints_with_enterprise ON complaints(settle_by) WHERE status IN ('with_enterprise', 'settlement_offered');
                CREATE INDEX complaints_urgent ON complaints(county_code, number) WHERE urgent_reason IS NOT NULL;
                CREATE INDEX complaints_review_open ON complaints(county_code, review_by) WHERE review_trigger IS NOT NULL AND review_finding IS NULL;
                CREATE INDEX complaints_visit_pending ON complaints(county_code, visit_queued_at) WHERE visit_queued_at IS NOT NULL AND visit_done_at IS NULL;
                """)
            try db.expectOne("SELECT RecoverGeometryColumn('complaints', 'geom', 4326, 'POINT', 'XY')")

            // Texts to an enterprise's complaints contact: a third recipient, so the outbox's
            // CHECK is rebuilt the same way.
            try db.execute(sql: """
                CREATE TABLE sms_outbox_v6 (
                    id               TEXT PRIMARY KEY NOT NULL,
                    number           TEXT NOT NULL REFERENCES complaints(number),
                    event_seq        INTEGER NOT NULL REFERENCES complaint_events(seq),
                    recipient        TEXT NOT NULL CHECK (recipient IN ('consumer', 'staff', 'enterprise')),
                    phone            TEXT NOT NULL,
                    template         TEXT NOT NULL,
                    body             TEXT NOT NULL,
                    status           TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
                    attempts         INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at  TEXT NOT NULL,
                    last_error       TEXT,
                    created_at       TEXT NOT NULL,
                    sent_at          TEXT,
                    claimed_by       TEXT,
                    claim_expires_at TEXT
                );
                INSERT INTO sms_outbox_v6 (id, number, event_seq, recipient, phone, template, body, status, attempts, next_attempt_at,
                                           last_error, created_at, sent_at, claimed_by, claim_expires_at)
                SELECT id, number, event_seq, recipient, phone, template, body, status, attempts, next_attempt_at,
                       last_error, created_at, sent_at, claimed_by, claim_expires_at FROM sms_outbox;
                DROP TABLE sms_outbox;
                ALTER TABLE sms_outbox_v6 RENAME TO sms_outbox;
                CREATE INDEX sms_outbox_due ON sms_outbox(next_attempt_at) WHERE status = 'pending';
                CREATE INDEX sms_outbox_by_number ON sms_outbox(number);
                """)

        }

        migrator.registerMigration("v7 provisional deadlines") { db in
            // Deadlines counted by the law layer alone (no official schedule for their year yet),
            // one bit each (ServiceDeadline); recomputed when the year's notice is loaded.
            try db.execute(sql: "ALTER TABLE complaints ADD COLUMN provisional_deadlines INTEGER NOT NULL DEFAULT 0")
            // Official holiday schedules of years after geodata/working-calendar.json, imported
            // with `liaison calendar import`: one per year, its canonical JSON.
            try db.execute(sql: """
                CREATE TABLE calendar_notices (
                    year        INTEGER PRIMARY KEY NOT NULL CHECK (year BETWEEN 2025 AND 2100),
                    source      TEXT NOT NULL,
                    body        BLOB NOT NULL,
                    imported_at TEXT NOT NULL,
                    imported_by TEXT NOT NULL
                )
                """)
        }

        migrator.registerMigration("v8 tracking digests, holding county") { db in
            // Tracking tokens are derived from the number under the server's key and never
            // stored: only their SHA-256. The random tokens of earlier complaints are kept the
            // same way, so they still work.
            try db.execute(sql: "ALTER TABLE complaints RENAME COLUMN tracking_token TO tracking_digest")
            var last = ""
            while true {
                let rows = try Row.fetchAll(db, sql: "SELECT number, tracking_digest FROM complaints WHERE number > ? ORDER BY number LIMIT 1000", arguments: [last])
                guard let final = rows.last else { break }
                for row in rows {
                    let token: String = row["tracking_digest"]
                    try db.execute(sql: "UPDATE complaints SET tracking_digest = ? WHERE number = ?", arguments: [TrackingKey.digest(token), row["number"]])
                }
                last = final["number"]
            }
            // Stored intake answers held those tokens in clear. A retry across the upgrade files anew.
            try db.execute(sql: "DELETE FROM idempotency_keys")
            // The fingerprint of the key this database's tokens are derived under (TrackingKey).
            try db.execute(sql: "CREATE TABLE server_keys (name TEXT PRIMARY KEY NOT NULL, fingerprint TEXT NOT NULL)")
            // The county a complaint belongs to (Jurisdiction): its station's (the id's prefix), else its location's.
            try db.execute(sql: """
                ALTER TABLE complaints ADD COLUMN holding_county TEXT NOT NULL DEFAULT '';
                UPDATE complaints SET holding_county = COALESCE(substr(station_id, 1, instr(station_id, '-') - 1), county_code);
                CREATE INDEX complaints_by_holding_county ON complaints(holding_county, number);
                CREATE INDEX sms_outbox_failed ON sms_outbox(number) WHERE status = 'failed';
                """)
        }

        migrator.registerMigration("v9 console sessions") { db in
            // Staff console sign-ins (StaffSession): the session id's SHA-256 only, never the id.
            try db.execute(sql: """
                CREATE TABLE console_sessions (
                    digest     BLOB PRIMARY KEY NOT NULL,
                    token_name TEXT NOT NULL REFERENCES tokens(name),
                    created_at TEXT NOT NULL,
                    expires_at TEXT NOT NULL
                );
                CREATE INDEX console_sessions_by_expiry ON console_sessions(expires_at);
                """)
        }

        migrator.registerMigration("v10 decline, event ordinals, assignments") { db in
            // 不予受理 is a new final state: the status CHECK changes, and SQLite changes a CHECK
            // only by rebuilding the table (as v6 did). The table's own stored definition is
            // copied with the one list changed, so every column added since stays as it is.
            guard let definition = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'complaints'") else {
                throw StoreError(message: "migration v10: no complaints table")
            }
            let statuses = "'with_enterprise', 'settlement_offered')"
            guard definition.components(separatedBy: statuses).count == 2 else {
                throw StoreError(message: "migration v10: the complaints table's status check is not the one v6 made")
            }
            let rebuilt = definition.replacingOccurrences(of: statuses, with: "'with_enterprise', 'settlement_offered', 'declined')")
                .replacingOccurrences(of: "CREATE TABLE \"complaints\"", with: "CREATE TABLE complaints_v10")
                .replacingOccurrences(of: "CREATE TABLE complaints ", with: "CREATE TABLE complaints_v10 ")
            guard rebuilt.contains("complaints_v10") else { throw StoreError(message: "migration v10: the complaints table's definition is not one it knows") }
            let indexes = try String.fetchAll(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'complaints' AND sql IS NOT NULL")
            try db.expectOne("SELECT DiscardGeometryColumn('complaints', 'geom')")
            try db.execute(sql: rebuilt)
            try db.execute(sql: """
                INSERT INTO complaints_v10 SELECT * FROM complaints;
                DROP TABLE complaints;
                ALTER TABLE complaints_v10 RENAME TO complaints;
                """)
            for index in indexes { try db.execute(sql: index) }
            try db.expectOne("SELECT RecoverGeometryColumn('complaints', 'geom', 4326, 'POINT', 'XY')")
            try db.execute(sql: """
                ALTER TABLE complaints ADD COLUMN decline_reason TEXT;
                ALTER TABLE complaints ADD COLUMN declined_at TEXT;
                """)

            // Each event's place in its complaint's history (1, 2, 3…), for views; `seq` stays
            // the id texts refer to. Events are append-only: the guard is lifted for the fill only.
            try db.execute(sql: """
                ALTER TABLE complaint_events ADD COLUMN ordinal INTEGER NOT NULL DEFAULT 0;
                DROP TRIGGER complaint_events_no_update;
                UPDATE complaint_events SET ordinal = r.n
                FROM (SELECT seq, row_number() OVER (PARTITION BY number ORDER BY seq) AS n FROM complaint_events) AS r
                WHERE complaint_events.seq = r.seq;
                CREATE TRIGGER complaint_events_no_update BEFORE UPDATE ON complaint_events
                BEGIN SELECT RAISE(ABORT, 'complaint events are append-only'); END;
                CREATE UNIQUE INDEX complaint_events_by_ordinal ON complaint_events(number, ordinal);
                """)

            // Every station's own part in a complaint (ComplaintAssignments).
            try db.execute(sql: """
                CREATE TABLE complaint_assignments (
                    number       TEXT NOT NULL REFERENCES complaints(number),
                    ordinal      INTEGER NOT NULL,
                    station_id   TEXT NOT NULL,
                    county_code  TEXT NOT NULL,
                    assigned_at  TEXT NOT NULL,
                    respond_by   TEXT,
                    responded_at TEXT,
                    response     TEXT,
                    ended_at     TEXT,
                    ended_by     TEXT,
                    PRIMARY KEY (number, ordinal)
                );
                CREATE INDEX complaint_assignments_by_station ON complaint_assignments(station_id, number);
                CREATE INDEX complaint_assignments_by_county ON complaint_assignments(county_code, number);
                CREATE INDEX complaint_assignments_open ON complaint_assignments(number) WHERE ended_at IS NULL;
                """)
            try db.execute(sql: ComplaintAssignments.backfill(.sqlite))
        }

        migrator.registerMigration("v11 complaint search") { db in
            // The staff list's text search (`q`): the description and the merchant's name in an
            // FTS5 table with the trigram tokenizer (substrings of three characters or more;
            // Chinese has no spaces for a word tokenizer). It keeps its own copy of the text,
            // keyed by the complaint's number, not by rowid: a rebuild of `complaints`
            // (CREATE new, INSERT … SELECT, DROP, RENAME) may give rows new rowids.
            //
            // The triggers keep it in step. They belong to `complaints`, so DROP TABLE complaints
            // drops them with it: a migration that rebuilds `complaints` after this one must
            // create these three triggers again and refill the table
            // (DELETE FROM complaint_search; INSERT INTO complaint_search SELECT …).
            try db.execute(sql: """
                CREATE VIRTUAL TABLE complaint_search USING fts5(number UNINDEXED, description, merchant_name, tokenize = 'trigram');
                INSERT INTO complaint_search (number, description, merchant_name) SELECT number, description, merchant_name FROM complaints;
                CREATE TRIGGER complaint_search_insert AFTER INSERT ON complaints BEGIN
                    INSERT INTO complaint_search (number, description, merchant_name) VALUES (new.number, new.description, new.merchant_name);
                END;
                CREATE TRIGGER complaint_search_update AFTER UPDATE OF number, description, merchant_name ON complaints
                WHEN old.number IS NOT new.number OR old.description IS NOT new.description OR old.merchant_name IS NOT new.merchant_name BEGIN
                    DELETE FROM complaint_search WHERE number = old.number;
                    INSERT INTO complaint_search (number, description, merchant_name) VALUES (new.number, new.description, new.merchant_name);
                END;
                CREATE TRIGGER complaint_search_delete AFTER DELETE ON complaints BEGIN
                    DELETE FROM complaint_search WHERE number = old.number;
                END;
                """)
        }

        migrator.registerMigration("v12 client callbacks") { db in
            // Status callbacks: a client's URL (the signing secret is derived from the server
            // key, never stored) and one delivery per event of a complaint it filed, written in
            // the event's transaction and claimed, retried and failed as texts are.
            try db.execute(sql: """
                CREATE TABLE client_callbacks (
                    client     TEXT PRIMARY KEY NOT NULL,
                    url        TEXT NOT NULL,
                    updated_at TEXT NOT NULL
                );
                CREATE TABLE callback_outbox (
                    id               TEXT PRIMARY KEY NOT NULL,
                    number           TEXT NOT NULL REFERENCES complaints(number),
                    event_seq        INTEGER NOT NULL REFERENCES complaint_events(seq),
                    client           TEXT NOT NULL,
                    body             TEXT NOT NULL,
                    status           TEXT NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
                    attempts         INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at  TEXT NOT NULL,
                    last_error       TEXT,
                    created_at       TEXT NOT NULL,
                    sent_at          TEXT,
                    claimed_by       TEXT,
                    claim_expires_at TEXT
                );
                CREATE INDEX callback_outbox_due ON callback_outbox(next_attempt_at) WHERE status = 'pending';
                CREATE INDEX callback_outbox_by_number ON callback_outbox(number);
                CREATE INDEX callback_outbox_by_client ON callback_outbox(client) WHERE status = 'pending';
                """)
        }

        migrator.registerMigration("v13 consumer ids") { db in
            // Which complaints a client's consumer filed (`consumer.id`, e.g. an openid), so the
            // client can list them: the id only as a keyed hash (``TrackingKey/consumerKey``).
            // Numbers sort as they were given (ZJ-day-counter), so newest first is number order.
            try db.execute(sql: """
                CREATE TABLE consumer_complaints (
                    number       TEXT PRIMARY KEY REFERENCES complaints(number),
                    consumer_key TEXT NOT NULL CHECK (length(consumer_key) = 64)
                );
                CREATE INDEX consumer_complaints_by_consumer ON consumer_complaints(consumer_key, number);
                """)
        }

        migrator.registerMigration("v14 open complaints gauge") { db in
            // `/metrics` counts the open complaints and those reported overdue at each scrape:
            // on this index, the size of the open set, never a scan of every complaint filed.
            try db.execute(sql: "CREATE INDEX complaints_open ON complaints(overdue) WHERE status NOT IN ('closed', 'withdrawn')")
        }

        return migrator
    }
}

extension Database {
    /// Runs a SpatiaLite administrative function that returns 1 on success.
    func expectOne(_ sql: String) throws {
        guard try Int.fetchOne(self, sql: sql) == 1 else {
            throw StoreError(message: "SpatiaLite refused: \(sql)")
        }
    }
}
