import Foundation
import Logging
import LiaisonStore
import PostgresNIO

/// The PostgreSQL schema, as named migrations applied in order in one transaction and
/// recorded in `liaison_migrations` (the SQLite store keeps its own list: the two
/// schemas say the same things with each database's own means).
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
    ]

    /// Applies the migrations this database lacks. Two processes starting at once take turns
    /// (an advisory lock), so each migration runs once.
    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
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
            for migration in all where !applied.contains(migration.name) {
                for statement in migration.sql {
                    try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                }
                try await connection.query("INSERT INTO liaison_migrations (name) VALUES (\(migration.name))", logger: logger)
                logger.info("applied migration", metadata: ["migration": "\(migration.name)"])
            }
        }
    }
}
