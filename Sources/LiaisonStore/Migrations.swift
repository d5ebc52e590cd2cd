import GRDB

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
