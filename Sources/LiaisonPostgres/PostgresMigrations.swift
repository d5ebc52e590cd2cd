import Foundation
import Logging
import LiaisonStore
import PostgresNIO

/// The PostgreSQL schema, as named migrations applied in order in one transaction and
/// recorded in `liaison_migrations` (the SQLite store keeps its own list: the two
/// schemas say the same things with each database's own means).
/// The PostgreSQL schema this build makes and reads: its last migration (`liaison --version`).
public let postgresSchemaVersion = "v10 open complaints gauge"

enum PostgresMigrations {
    static let all: [(name: String, sql: [String])] = [
        ("v1 register", [
            "CREATE EXTENSION IF NOT EXISTS postgis",
            """
            CREATE TABLE counties (
                adcode    text PRIMARY KEY CHECK (length(adcode) = 6),
                name      text NOT NULL,
                city_code text NOT NULL,
                city_name text NOT NULL,
                geom      geometry(MultiPolygon, 4326) NOT NULL
            )
            """,
            "CREATE INDEX counties_geom ON counties USING gist (geom)",
            // address, hours, modes and staff are JSON texts in JSONOutput's canonical form
            // (text, not jsonb, so that an export is byte-identical to the SQLite store's).
            """
            CREATE TABLE stations (
                id          text PRIMARY KEY CHECK (id ~ '^[0-9]{6}-[0-9]{4}$'),
                county_code text NOT NULL REFERENCES counties(adcode),
                name        text NOT NULL,
                address     text NOT NULL,
                phone       text NOT NULL,
                hours       text NOT NULL,
                modes       text NOT NULL,
                capacity    integer NOT NULL CHECK (capacity BETWEEN 1 AND 1000),
                status      text NOT NULL CHECK (status IN ('active', 'retired')),
                staff       text NOT NULL,
                created_at  timestamptz NOT NULL,
                updated_at  timestamptz NOT NULL,
                geom        geometry(Point, 4326) NOT NULL
            )
            """,
            "CREATE INDEX stations_county ON stations(county_code)",
            "CREATE INDEX stations_geom ON stations USING gist (geom)",
            """
            CREATE TABLE station_history (
                seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                station_id text NOT NULL REFERENCES stations(id),
                at         timestamptz NOT NULL,
                actor      text NOT NULL,
                action     text NOT NULL CHECK (action IN ('create', 'update', 'retire', 'import')),
                reason     text,
                before     text,
                after      text NOT NULL
            )
            """,
            "CREATE INDEX station_history_station ON station_history(station_id, seq)",
            // The history is append-only, enforced by the database itself.
            """
            CREATE FUNCTION liaison_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION '% is append-only', TG_TABLE_NAME; END $$
            """,
            """
            CREATE TRIGGER station_history_append_only BEFORE UPDATE OR DELETE ON station_history
            FOR EACH ROW EXECUTE FUNCTION liaison_append_only()
            """,
            // One counter that every change of the register bumps, whoever writes; the change is
            // announced on the channel liaison_register, so serving processes need not poll.
            "CREATE TABLE register_version (id integer PRIMARY KEY CHECK (id = 1), version bigint NOT NULL)",
            "INSERT INTO register_version (id, version) VALUES (1, 1)",
            """
            CREATE FUNCTION liaison_bump_register_version() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE bumped bigint;
            BEGIN
                UPDATE register_version SET version = version + 1 WHERE id = 1 RETURNING version INTO bumped;
                PERFORM pg_notify('liaison_register', bumped::text);
                RETURN NULL;
            END $$
            """,
            """
            CREATE TRIGGER stations_bump_register_version AFTER INSERT OR UPDATE OR DELETE ON stations
            FOR EACH STATEMENT EXECUTE FUNCTION liaison_bump_register_version()
            """,
            """
            CREATE TRIGGER counties_bump_register_version AFTER INSERT OR UPDATE OR DELETE ON counties
            FOR EACH STATEMENT EXECUTE FUNCTION liaison_bump_register_version()
            """,
        ]),
        ("v2 tokens", [
            // API tokens by name and role, kept only as SHA-256 digests.
            """
            CREATE TABLE tokens (
                name       text PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 64),
                role       text NOT NULL,
                digest     bytea NOT NULL UNIQUE CHECK (length(digest) = 32),
                created_at timestamptz NOT NULL,
                revoked_at timestamptz
            )
            """,
        ]),
        ("v3 complaints", complaints),
        ("v4 tracking digests, holding county", [
            // Tracking tokens are derived from the number under the server's key and never
            // stored: only their SHA-256 (hex). Earlier random tokens are kept the same way.
            "ALTER TABLE complaints RENAME COLUMN tracking_token TO tracking_digest",
            "UPDATE complaints SET tracking_digest = encode(sha256(convert_to(tracking_digest, 'UTF8')), 'hex')",
            // Stored intake answers held those tokens in clear. A retry across the upgrade files anew.
            "DELETE FROM idempotency_keys",
            // The fingerprint of the key this database's tokens are derived under (TrackingKey).
            "CREATE TABLE server_keys (name text PRIMARY KEY, fingerprint text NOT NULL)",
            // The county a complaint belongs to (Jurisdiction): its station's (the id's prefix), else its location's.
            "ALTER TABLE complaints ADD COLUMN holding_county text NOT NULL DEFAULT ''",
            "UPDATE complaints SET holding_county = COALESCE(split_part(station_id, '-', 1), county_code)",
            "CREATE INDEX complaints_by_holding_county ON complaints(holding_county, number)",
            // /metrics counts the failed texts on their own index, not the whole outbox.
            "CREATE INDEX sms_outbox_failed ON sms_outbox(number) WHERE status = 'failed'",
        ]),
        ("v5 console sessions", [
            // Staff console sign-ins (StaffSession): the session id's SHA-256 only, never the id.
            """
            CREATE TABLE console_sessions (
                digest     bytea PRIMARY KEY,
                token_name text NOT NULL REFERENCES tokens(name),
                created_at timestamptz NOT NULL,
                expires_at timestamptz NOT NULL
            )
            """,
            "CREATE INDEX console_sessions_by_expiry ON console_sessions(expires_at)",
        ]),
        ("v6 decline, event ordinals, assignments", [
            // 不予受理, a new final state (the check is the one the column's definition made).
            "ALTER TABLE complaints DROP CONSTRAINT complaints_status_check",
            """
            ALTER TABLE complaints ADD CONSTRAINT complaints_status_check CHECK (status IN ('submitted', 'assigned', 'accepted', 'refused',
                'mediating', 'resolved', 'failed', 'closed', 'withdrawn', 'with_enterprise', 'settlement_offered', 'declined'))
            """,
            "ALTER TABLE complaints ADD COLUMN decline_reason text",
            "ALTER TABLE complaints ADD COLUMN declined_at liaison_time",
            // Each event's place in its complaint's history; events are append-only, so the
            // guard is lifted for the fill only (inside this migration's transaction).
            "ALTER TABLE complaint_events ADD COLUMN ordinal bigint NOT NULL DEFAULT 0",
            "ALTER TABLE complaint_events DISABLE TRIGGER complaint_events_append_only",
            """
            UPDATE complaint_events SET ordinal = r.n
            FROM (SELECT seq, row_number() OVER (PARTITION BY number ORDER BY seq) AS n FROM complaint_events) AS r
            WHERE complaint_events.seq = r.seq
            """,
            "ALTER TABLE complaint_events ENABLE TRIGGER complaint_events_append_only",
            "CREATE UNIQUE INDEX complaint_events_by_ordinal ON complaint_events(number, ordinal)",
            // Every station's own part in a complaint (ComplaintAssignments).
            """
            CREATE TABLE complaint_assignments (
                number       text NOT NULL REFERENCES complaints(number),
                ordinal      bigint NOT NULL,
                station_id   text NOT NULL,
                county_code  text NOT NULL,
                assigned_at  liaison_time NOT NULL,
                respond_by   liaison_time,
                responded_at liaison_time,
                response     text,
                ended_at     liaison_time,
                ended_by     text,
                PRIMARY KEY (number, ordinal)
            )
            """,
            "CREATE INDEX complaint_assignments_by_station ON complaint_assignments(station_id, number)",
            "CREATE INDEX complaint_assignments_by_county ON complaint_assignments(county_code, number)",
            "CREATE INDEX complaint_assignments_open ON complaint_assignments(number) WHERE ended_at IS NULL",
            ComplaintAssignments.backfill(.postgres),
        ]),
        ("v7 complaint search", [
            // The staff list's text search (`q`) looks for a substring of the description or the
            // merchant's name, ignoring case (`lower(…) LIKE '%…%'`): trigram indexes serve it.
            // pg_trgm ships with PostgreSQL (contrib) and is a trusted extension.
            "CREATE EXTENSION IF NOT EXISTS pg_trgm",
            "CREATE INDEX complaints_search_description ON complaints USING gin (lower(description) gin_trgm_ops)",
            "CREATE INDEX complaints_search_merchant ON complaints USING gin (lower(merchant_name) gin_trgm_ops)",
        ]),
        ("v8 client callbacks", [
            // Status callbacks, as the SQLite store keeps them ("v12 client callbacks"): a
            // client's URL (the signing secret is derived, never stored) and one delivery per event.
            """
            CREATE TABLE client_callbacks (
                client     text PRIMARY KEY,
                url        text NOT NULL,
                updated_at liaison_time NOT NULL
            )
            """,
            """
            CREATE TABLE callback_outbox (
                id               text PRIMARY KEY,
                number           text NOT NULL REFERENCES complaints(number),
                event_seq        bigint NOT NULL REFERENCES complaint_events(seq),
                client           text NOT NULL,
                body             text NOT NULL,
                status           text NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
                attempts         bigint NOT NULL DEFAULT 0,
                next_attempt_at  liaison_time NOT NULL,
                last_error       text,
                created_at       liaison_time NOT NULL,
                sent_at          liaison_time,
                claimed_by       text,
                claim_expires_at liaison_time
            )
            """,
            "CREATE INDEX callback_outbox_due ON callback_outbox(next_attempt_at) WHERE status = 'pending'",
            "CREATE INDEX callback_outbox_by_number ON callback_outbox(number)",
            "CREATE INDEX callback_outbox_by_client ON callback_outbox(client) WHERE status = 'pending'",
        ]),
        ("v9 consumer ids", [
            // As the SQLite store's v13: a client's consumer's complaints, the id as a keyed hash.
            """
            CREATE TABLE consumer_complaints (
                number       text PRIMARY KEY REFERENCES complaints(number),
                consumer_key text NOT NULL CHECK (length(consumer_key) = 64)
            )
            """,
            "CREATE INDEX consumer_complaints_by_consumer ON consumer_complaints(consumer_key, number)",
        ]),
        ("v10 open complaints gauge", [
            // As the SQLite store's v14: `/metrics` counts the open complaints on this index.
            "CREATE INDEX complaints_open ON complaints(overdue) WHERE status NOT IN ('closed', 'withdrawn')",
        ]),
    ]

    /// The complaint desk's tables: the same columns as the SQLite store's (the desk's SQL is
    /// written once, see `SQLSession`), with PostgreSQL's types and means. Times are the one
    /// stored form, `Timestamp` (`2026-11-29T07:38:47.123Z`, sortable as text), checked by a
    /// domain, so the two stores hold the same bytes and a copy between them is exact.
    static let complaints = [
        """
        CREATE DOMAIN liaison_time AS text CHECK (VALUE ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$')
        """,
        """
        CREATE TABLE enterprises (
            credit_code   text PRIMARY KEY CHECK (length(credit_code) = 18),
            name          text NOT NULL,
            merchant_id   text UNIQUE,
            contact_name  text NOT NULL,
            contact_phone text NOT NULL,
            enrolled_at   liaison_time,
            settle_days   bigint CHECK (settle_days IS NULL OR settle_days BETWEEN 1 AND 30),
            created_at    liaison_time NOT NULL,
            updated_at    liaison_time NOT NULL
        )
        """,
        """
        CREATE TABLE merchant_cases (
            id            bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            merchant_code text UNIQUE,
            merchant_key  text NOT NULL,
            name          text NOT NULL,
            county_code   text NOT NULL,
            lat           double precision NOT NULL,
            lng           double precision NOT NULL,
            created_at    liaison_time NOT NULL
        )
        """,
        "CREATE INDEX merchant_cases_by_key ON merchant_cases(merchant_key, lat)",
        """
        CREATE TABLE complaints (
            number            text PRIMARY KEY CHECK (number ~ '^ZJ-[0-9]{8}-[0-9]{6}$'),
            tracking_token    text NOT NULL UNIQUE,
            status            text NOT NULL CHECK (status IN ('submitted', 'assigned', 'accepted', 'refused', 'mediating',
                                                              'resolved', 'failed', 'closed', 'withdrawn',
                                                              'with_enterprise', 'settlement_offered')),
            category          text NOT NULL,
            description       text NOT NULL,
            amount_fen        bigint CHECK (amount_fen IS NULL OR amount_fen > 0),
            preferred_mode    text NOT NULL CHECK (preferred_mode IN ('offline', 'video')),
            mode              text NOT NULL CHECK (mode IN ('offline', 'video')),
            consumer_name     text NOT NULL,
            consumer_phone    text NOT NULL,
            merchant_name     text NOT NULL,
            merchant_address  text,
            lat               double precision NOT NULL,
            lng               double precision NOT NULL,
            given_lat         double precision NOT NULL,
            given_lng         double precision NOT NULL,
            coordsys          text NOT NULL,
            county_code       text NOT NULL REFERENCES counties(adcode),
            station_id        text REFERENCES stations(id),
            distance_m        double precision,
            assignment_reason text,
            submitted_at      liaison_time NOT NULL,
            updated_at        liaison_time NOT NULL,
            appointment_starts_at liaison_time,
            appointment_ends_at   liaison_time,
            appointment_confirmed bigint,
            video_room            text UNIQUE,
            video_scheduled_at    liaison_time,
            video_confirmed       bigint,
            satisfaction      bigint CHECK (satisfaction IS NULL OR satisfaction BETWEEN 1 AND 5),
            feedback_comment  text,
            feedback_at       liaison_time,
            dispatch_by       liaison_time,
            respond_by        liaison_time,
            acceptance_by     liaison_time,
            mediation_by      liaison_time,
            dispatched_at     liaison_time,
            responded_at      liaison_time,
            accepted_at       liaison_time,
            outcome           text CHECK (outcome IS NULL OR outcome IN ('resolved', 'failed')),
            outcome_at        liaison_time,
            overdue           bigint NOT NULL DEFAULT 0,
            merchant_code     text,
            merchant_key      text,
            merchant_case     bigint REFERENCES merchant_cases(id),
            repeat_of         text REFERENCES complaints(number),
            border_counties   text,
            client            text,
            merchant_id       text,
            enterprise_code   text REFERENCES enterprises(credit_code),
            enterprise_name   text,
            settle_by         liaison_time,
            settlement        text,
            settlement_at     liaison_time,
            reply_by          liaison_time,
            train_outcome     text CHECK (train_outcome IS NULL OR train_outcome IN
                                  ('settled', 'declined', 'timed_out', 'rejected', 'recalled', 'withdrawn')),
            train_ended_at    liaison_time,
            urgent_reason     text,
            urgent_at         liaison_time,
            urgent_by         liaison_time,
            urgent_met_at     liaison_time,
            review_trigger    text CHECK (review_trigger IS NULL OR review_trigger IN ('dissatisfied', 'rejected_settlement')),
            review_opened_at  liaison_time,
            review_by         liaison_time,
            review_finding    text CHECK (review_finding IS NULL OR review_finding IN ('upheld', 'reopened')),
            review_found_at   liaison_time,
            visit_queued_at   liaison_time,
            visit_done_at     liaison_time,
            visit_reached     bigint,
            visit_satisfied   bigint,
            court_id          text,
            handed_off_at     liaison_time,
            provisional_deadlines bigint NOT NULL DEFAULT 0,
            -- Where it was filed, for GIS tools: derived from lat and lng, never written.
            geom geometry(Point, 4326) GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lng, lat), 4326)) STORED
        )
        """,
        "CREATE INDEX complaints_open_by_station ON complaints(station_id) WHERE status IN ('assigned', 'accepted', 'mediating')",
        "CREATE INDEX complaints_by_station ON complaints(station_id, status, submitted_at)",
        "CREATE INDEX complaints_by_county ON complaints(county_code, submitted_at)",
        "CREATE INDEX complaints_by_phone ON complaints(consumer_phone, submitted_at)",
        "CREATE INDEX complaints_by_case ON complaints(merchant_case, consumer_phone, submitted_at)",
        "CREATE INDEX complaints_by_client ON complaints(client, number) WHERE client IS NOT NULL",
        "CREATE INDEX complaints_near_border ON complaints(status) WHERE border_counties IS NOT NULL",
        "CREATE INDEX complaints_by_enterprise ON complaints(enterprise_code, status, number) WHERE enterprise_code IS NOT NULL",
        "CREATE INDEX complaints_with_enterprise ON complaints(settle_by) WHERE status IN ('with_enterprise', 'settlement_offered')",
        "CREATE INDEX complaints_urgent ON complaints(county_code, number) WHERE urgent_reason IS NOT NULL",
        "CREATE INDEX complaints_review_open ON complaints(county_code, review_by) WHERE review_trigger IS NOT NULL AND review_finding IS NULL",
        "CREATE INDEX complaints_visit_pending ON complaints(county_code, visit_queued_at) WHERE visit_queued_at IS NOT NULL AND visit_done_at IS NULL",
        "CREATE INDEX complaints_geom ON complaints USING gist (geom)",
        // Complaint numbers: one counter row per day, locked by the intake until it commits.
        "CREATE TABLE complaint_counters (day text PRIMARY KEY CHECK (day ~ '^[0-9]{8}$'), last bigint NOT NULL CHECK (last BETWEEN 1 AND 999999))",
        """
        CREATE TABLE complaint_events (
            seq         bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            number      text NOT NULL REFERENCES complaints(number),
            at          liaison_time NOT NULL,
            actor       text NOT NULL,
            action      text NOT NULL,
            from_status text,
            to_status   text NOT NULL,
            station_id  text,
            note        text
        )
        """,
        "CREATE INDEX complaint_events_by_number ON complaint_events(number, seq)",
        """
        CREATE TRIGGER complaint_events_append_only BEFORE UPDATE OR DELETE ON complaint_events
        FOR EACH ROW EXECUTE FUNCTION liaison_append_only()
        """,
        """
        CREATE TABLE idempotency_keys (
            key         text PRIMARY KEY,
            fingerprint bytea NOT NULL CHECK (length(fingerprint) = 32),
            number      text NOT NULL REFERENCES complaints(number),
            response    bytea NOT NULL,
            created_at  liaison_time NOT NULL
        )
        """,
        """
        CREATE TABLE sms_outbox (
            id               text PRIMARY KEY,
            number           text NOT NULL REFERENCES complaints(number),
            event_seq        bigint NOT NULL REFERENCES complaint_events(seq),
            recipient        text NOT NULL CHECK (recipient IN ('consumer', 'staff', 'enterprise')),
            phone            text NOT NULL,
            template         text NOT NULL,
            body             text NOT NULL,
            status           text NOT NULL CHECK (status IN ('pending', 'sent', 'failed')),
            attempts         bigint NOT NULL DEFAULT 0,
            next_attempt_at  liaison_time NOT NULL,
            last_error       text,
            created_at       liaison_time NOT NULL,
            sent_at          liaison_time,
            claimed_by       text,
            claim_expires_at liaison_time
        )
        """,
        "CREATE INDEX sms_outbox_due ON sms_outbox(next_attempt_at) WHERE status = 'pending'",
        "CREATE INDEX sms_outbox_by_number ON sms_outbox(number)",
        "CREATE TABLE leases (name text PRIMARY KEY, holder text NOT NULL, expires_at liaison_time NOT NULL)",
        "CREATE TABLE job_runs (name text PRIMARY KEY, last_at liaison_time NOT NULL)",
        """
        CREATE TABLE station_ratings (
            seq              bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
            station_id       text NOT NULL REFERENCES stations(id),
            computed_at      liaison_time NOT NULL,
            window_from      liaison_time NOT NULL,
            window_to        liaison_time NOT NULL,
            complaints       bigint NOT NULL,
            response_met     bigint NOT NULL,
            response_of      bigint NOT NULL,
            resolution_met   bigint NOT NULL,
            resolution_of    bigint NOT NULL,
            satisfaction_met bigint NOT NULL,
            satisfaction_of  bigint NOT NULL,
            score            double precision,
            stars            bigint CHECK (stars IS NULL OR stars BETWEEN 1 AND 5),
            formula          text NOT NULL
        )
        """,
        "CREATE INDEX station_ratings_by_station ON station_ratings(station_id, seq)",
        """
        CREATE TRIGGER station_ratings_append_only BEFORE UPDATE OR DELETE ON station_ratings
        FOR EACH ROW EXECUTE FUNCTION liaison_append_only()
        """,
        // Ratings are part of the register's snapshot: new ones bump its version.
        """
        CREATE TRIGGER station_ratings_bump_register_version AFTER INSERT ON station_ratings
        FOR EACH STATEMENT EXECUTE FUNCTION liaison_bump_register_version()
        """,
        """
        CREATE TABLE calendar_notices (
            year        bigint PRIMARY KEY CHECK (year BETWEEN 2025 AND 2100),
            source      text NOT NULL,
            body        bytea NOT NULL,
            imported_at liaison_time NOT NULL,
            imported_by text NOT NULL
        )
        """,
    ]

    /// Applies the migrations this database lacks. Two processes starting at once take turns
    /// (an advisory lock), so each migration runs once.
    /// A database with none applied is new: it is made whole. One a former release made, with
    /// migrations missing, is upgraded only with `upgrading` (`liaison upgrade`, `serve
    /// --migrate`), else refused naming both schemas.
    static func migrate(_ client: PostgresClient, upgrading: Bool, location: String, logger: Logger) async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(7305106)", logger: logger)
            try await connection.query("""
                CREATE TABLE IF NOT EXISTS liaison_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
                """, logger: logger)
            var applied = Set<String>()
            for try await name in try await connection.query("SELECT name FROM liaison_migrations", logger: logger).decode(String.self) {
                applied.insert(name)
            }
            let known = Set(all.map(\.name))
            if let unknown = applied.subtracting(known).sorted().first {
                throw StoreError(message: "the database has migration \"\(unknown)\", which this liaison does not know: "
                                 + "a newer release made it; run that release, or restore a backup made before it")
            }
            let pending = all.filter { !applied.contains($0.name) }
            if !applied.isEmpty, !pending.isEmpty, !upgrading {
                let current = all.last { applied.contains($0.name) }?.name ?? "none"
                throw SchemaBehind(location: location, current: current, wanted: postgresSchemaVersion)
            }
            for migration in pending {
                for statement in migration.sql {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO liaison_migrations (name) VALUES (\(migration.name))", logger: logger)
                logger.info("applied migration", metadata: ["migration": "\(migration.name)"])
            }
        }
    }
}
