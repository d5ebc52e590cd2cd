import Foundation
import GRDB
import LiaisonCore
@_spi(Benchmark) @testable import LiaisonStore
import Testing
import LiaisonTestSupport

/// Tracking tokens are derived, never stored: not in the complaint's row, not in the stored
/// answer an idempotent retry is given, not anywhere in the file or its WAL.
@Suite struct TrackingSecretTests {
    /// Every byte the store has on disk: the main file, its WAL and shared memory.
    static func bytesOnDisk(_ path: String) -> Data {
        ["", "-wal", "-shm"].compactMap { FileManager.default.contents(atPath: path + $0) }.reduce(Data(), +)
    }

    @Test func noTrackingTokenIsWrittenToTheFileAndARetryStillGetsIt() throws {
        let folder = try ScratchFolder()
        let path = folder.path("liaison.sqlite")
        let database = try TemplateDatabase.open(at: path)
        let key = TrackingKey.ephemeral()
        let desk = ComplaintDesk(database: database, finder: StationFinder(try database.snapshot()),
                                 settings: ComplaintDesk.Settings(serviceClock: complaintSettings.serviceClock, trackingKey: key))
        let first = try desk.submit(complaintBody(), idempotencyKey: "mp-order-1")
        let token = try #require(try JSONSerialization.jsonObject(with: first.body) as? [String: Any])["tracking_token"] as? String ?? ""
        #expect(token == key.token(for: first.number))
        let retry = try desk.submit(complaintBody(), idempotencyKey: "mp-order-1")
        #expect(retry.replayed && retry.body == first.body, "the replay is rebuilt byte for byte, token included")
        #expect(try desk.track(first.number, token: token) != nil)

        try database.pool.read { db in
            #expect(try String.fetchOne(db, sql: "SELECT tracking_digest FROM complaints") == TrackingKey.digest(token))
            let kept = try #require(try Data.fetchOne(db, sql: "SELECT response FROM idempotency_keys"))
            #expect(kept.firstRange(of: Data(token.utf8)) == nil && kept.firstRange(of: ComplaintDesk.tokenMarker) != nil)
        }
        #expect(Self.bytesOnDisk(path).firstRange(of: Data(token.utf8)) == nil, "the token is somewhere in the file or its WAL")

        // Under another key the same number's token is another: a stolen file does not give tokens.
        let stranger = ComplaintDesk(database: database, finder: desk.finder,
                                     settings: ComplaintDesk.Settings(serviceClock: complaintSettings.serviceClock, trackingKey: .ephemeral()))
        let replayedElsewhere = try stranger.submit(complaintBody(), idempotencyKey: "mp-order-1")
        #expect(replayedElsewhere.body != first.body)
    }

    @Test func aDatabaseRecordsItsKeyAndRefusesAnother() throws {
        let folder = try ScratchFolder()
        let database = try TemplateDatabase.open(at: folder.path("liaison.sqlite"))
        let one = try TrackingKey.file(folder.path("one.key")), other = try TrackingKey.file(folder.path("other.key"))
        try ComplaintDesk.adopt(one, in: database)
        try ComplaintDesk.adopt(one, in: database)
        #expect { try ComplaintDesk.adopt(other, in: database) } throws: { error in
            "\(error)".contains(folder.path("other.key")) && "\(error)".contains("not the key this database's tracking tokens were derived under")
        }
        try ComplaintDesk.adopt(.ephemeral(), in: database)   // tests' keys are neither recorded nor checked
    }

    @Test func aNewDatabaseAndItsWALAreForTheirOwnerOnly() throws {
        let folder = try ScratchFolder()
        let path = folder.path("fresh.sqlite")
        let database = try LiaisonDatabase.createBlank(path: path)
        try database.pool.write { db in try db.execute(sql: "INSERT INTO job_runs (name, last_at) VALUES ('x', '2026-12-04T00:00:00.000Z')") }
        for file in [path, path + "-wal"] {
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? NSNumber).intValue
            #expect(mode == 0o600, "\(file): mode \(String(mode, radix: 8))")
        }
    }

    /// A store made before tokens were derived keeps working: the v8 migration keeps only the
    /// SHA-256 of each earlier token (which still tracks) and drops the stored answers that held them.
    @Test func earlierTokensAreKeptAsDigestsAndStillTrack() throws {
        let folder = try ScratchFolder()
        let path = folder.path("v7.sqlite")
        let earlier = "trk_" + Base64URL.random(bytes: 32)
        let caches = SpatiaLiteCaches()
        do {
            defer { caches.freeAll() }
            let queue = try DatabaseQueue(path: path, configuration: LiaisonDatabase.configuration(caches))
            try Migrations.migrator.migrate(queue, upTo: "v7 provisional deadlines")
            try queue.write { db in
                _ = try CountyRecord.upsert(try GeodataDirectory(url: Repository.geodata).counties(), in: db)
                try db.execute(sql: """
                    INSERT INTO complaints (number, tracking_token, status, category, description, preferred_mode, mode, consumer_name,
                        consumer_phone, merchant_name, lat, lng, given_lat, given_lng, coordsys, county_code, submitted_at, updated_at,
                        dispatch_by, merchant_key, geom)
                    VALUES ('ZJ-20261130-000001', ?, 'submitted', 'price', '多收费', 'offline', 'offline', '张三', '13800138000',
                        '某某超市', 30.259, 120.13, 30.259, 120.13, 'wgs84', '330106', '2026-11-30T02:00:00.000Z', '2026-11-30T02:00:00.000Z',
                        '2026-11-30T04:00:00.000Z', '某某超市', MakePoint(120.13, 30.259, 4326));
                    INSERT INTO idempotency_keys (key, fingerprint, number, response, created_at)
                    VALUES ('mp-1', zeroblob(32), 'ZJ-20261130-000001', CAST(? AS BLOB), '2026-11-30T02:00:00.000Z');
                    """, arguments: [earlier, #"{"tracking_token":"\#(earlier)"}"#])
            }
            try queue.close()
        }
        let database = try LiaisonDatabase(path: path, upgrading: true)   // runs v8
        let (digest, keys) = try database.pool.read { db in
            (try String.fetchOne(db, sql: "SELECT tracking_digest FROM complaints"), try Int.fetchOne(db, sql: "SELECT count(*) FROM idempotency_keys"))
        }
        #expect(digest == TrackingKey.digest(earlier) && keys == 0)
        let desk = ComplaintDesk(database: database, finder: StationFinder(try database.snapshot()), settings: complaintSettings)
        #expect(try desk.track("ZJ-20261130-000001", token: earlier) != nil)
        #expect(try desk.track("ZJ-20261130-000001", token: complaintSettings.trackingKey.token(for: "ZJ-20261130-000001")) == nil)
        _ = try database.pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        #expect(Self.bytesOnDisk(path).firstRange(of: Data(earlier.utf8)) == nil, "the earlier token is still in the file")
    }
}
