import Foundation
import GRDB
import Geodesy
import LiaisonCore
@_spi(Benchmark) @testable import LiaisonStore
import LiaisonTestSupport
import Testing

/// The GRDB records against the schema they map and against SpatiaLite itself.
@Suite struct RecordTests {
    /// Points where SpatiaLite's byte layout would show a mistake: signs, extremes, values
    /// with every mantissa bit in use.
    static let points = [
        Coordinate(latitude: 30.274_084_123_456_78, longitude: 120.155_070_987_654_32),
        Coordinate(latitude: -33.868_820_1, longitude: -151.209_295_7),
        Coordinate(latitude: 90, longitude: 180),
        Coordinate(latitude: -90, longitude: -180),
        Coordinate(latitude: 0, longitude: 0),
        Coordinate(latitude: .ulpOfOne, longitude: 1 / 3),
    ]

    static func database(in folder: ScratchFolder) throws -> LiaisonDatabase {
        try TemplateDatabase.open(at: folder.path("records.sqlite"))
    }

    @Test func pointBlobIsWhatMakePointReturns() throws {
        let folder = try ScratchFolder("records")
        let database = try Self.database(in: folder)
        try database.read { db in
            for point in Self.points {
                let made = try DatabaseValue.fetchOne(db, sql: "SELECT MakePoint(?, ?, 4326)", arguments: [point.longitude, point.latitude])
                #expect(SpatiaLitePoint(coordinate: point).databaseValue == made, "\(point)")
                #expect(made.flatMap(SpatiaLitePoint.fromDatabaseValue) == SpatiaLitePoint(coordinate: point))
                // SpatiaLite reads our bytes back as the same point.
                let read = try Row.fetchOne(db, sql: "SELECT ST_X(?) AS x, ST_Y(?) AS y, ST_Srid(?) AS srid",
                                            arguments: [SpatiaLitePoint(coordinate: point), SpatiaLitePoint(coordinate: point),
                                                        SpatiaLitePoint(coordinate: point)])
                #expect(read?["x"] == point.longitude && read?["y"] == point.latitude && read?["srid"] == 4326)
            }
        }
        #expect(SpatiaLitePoint.fromDatabaseValue("POINT(1 2)".databaseValue) == nil)
        #expect(SpatiaLitePoint.fromDatabaseValue(Data(repeating: 0, count: 60).databaseValue) == nil)
    }

    /// Every column of each mapped table has a property, and every property a column: a column
    /// added by a migration but not to its record would be silently dropped on update.
    @Test func recordsMapEveryColumn() throws {
        let folder = try ScratchFolder("records")
        let database = try Self.database(in: folder)
        let mapped: [(String, [String])] = [
            (ComplaintRecord.databaseTableName, ComplaintRecord.Columns.allCases.map(\.rawValue)),
            (StationRecord.databaseTableName, StationRecord.Columns.allCases.map(\.rawValue)),
            (ComplaintEventRecord.databaseTableName, ["seq", "number", "ordinal", "at", "actor", "action", "from_status", "to_status", "station_id", "note"]),
        ]
        try database.read { db in
            for (table, columns) in mapped {
                let actual = try db.columns(in: table).map(\.name)
                #expect(Set(actual) == Set(columns), "\(table)")
                #expect(actual.count == columns.count, "\(table)")
            }
            for (table, type) in [(OutboxRecord.databaseTableName, OutboxRecord.self as any LiaisonRecord.Type),
                                  (TokenRecord.databaseTableName, TokenRecord.self), (StationHistoryRecord.databaseTableName, StationHistoryRecord.self)] {
                // Every stored row decodes (the geodata import wrote some of them).
                #expect(throws: Never.self) { _ = try type.fetchAll(db, sql: "SELECT * FROM \(table) LIMIT 5") }
            }
        }
    }

    /// A complaint with every optional part filled comes back equal, column by column.
    @Test func complaintRoundTrips() throws {
        let folder = try ScratchFolder("records")
        let database = try Self.database(in: folder)
        let station = try #require(try database.stations().first { $0.status == .active })
        let at = Date(timeIntervalSince1970: 1_780_000_000.123)
        let later = at.addingTimeInterval(86_400.5)
        var intake = ComplaintIntake(location: station.location, givenLocation: Coordinate(latitude: 30.1, longitude: 120.2), coordinateSystem: .gcj02,
                                     consumerName: "王五", consumerPhone: "13800138000", merchantName: "某某超市", merchantAddress: "文三路 1 号",
                                     merchantCode: "91330106MA2AXXXX1X", category: .food_safety, description: "买到过期食品", preferredMode: .video,
                                     amountFen: 12_345)
        intake.merchantID = "m-1"
        var complaint = Complaint(
            number: "ZJ-20260529-000042", trackingDigest: "t0k", status: .mediating, intake: intake, countyCode: station.countyCode, mode: .video,
            stationID: station.id, distanceMeters: 12.34, assignmentReason: "nearest", submittedAt: at, updatedAt: later,
            appointment: .init(startsAt: later, endsAt: later.addingTimeInterval(3600), confirmed: true),
            video: .init(room: "room-1", scheduledAt: later, confirmed: true),
            feedback: .init(satisfaction: 4, comment: "好", at: later),
            deadlines: .init(dispatchBy: at, respondBy: later, acceptanceBy: later, mediationBy: later.addingTimeInterval(9)))
        complaint.deadlines.provisional = [.acceptance, .review]
        complaint.milestones = .init(dispatchedAt: at, respondedAt: later, acceptedAt: later, outcome: .resolved, outcomeAt: later)
        complaint.overdueReported = [.dispatch, .mediation]
        complaint.borderCounties = try JSONDecoder().decode([BorderCounty].self, from: Data(#"[{"county_code":"330106","county_name":"西湖区","distance_m":12.5}]"#.utf8))
        complaint.merchantCase = 7
        complaint.repeatOf = "ZJ-20260101-000001"
        complaint.client = "client-a"
        var train = Complaint.DirectTrain(enterpriseCode: "91330000XXXXXXXX0X", enterpriseName: "某公司", settleBy: later)
        train.settlement = "退款"; train.offeredAt = later; train.replyBy = later; train.outcome = Complaint.DirectTrain.Outcome.allCases.first
        train.endedAt = later
        complaint.directTrain = train
        complaint.urgent = .init(reason: "老人", markedAt: at, dueBy: later, metAt: later)
        complaint.review = .init(trigger: .dissatisfied, openedAt: at, dueBy: later,
                                 finding: Complaint.Review.Finding.allCases.first, foundAt: later)
        complaint.returnVisit = .init(queuedAt: at, doneAt: later, reached: true, satisfied: false)
        complaint.courtHandoff = .init(courtID: "court-1", at: later)
        complaint.decline = .init(reason: .handled_elsewhere, at: later)

        try database.writeWithoutTransaction { db in
            // The merchant case, the repeated complaint and the enterprise are not on file.
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try ComplaintRecord.insert(complaint, in: db)
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        let number = complaint.number
        let stored = try database.read { db in try ComplaintRecord.complaint(db, number: number) }
        #expect(stored == complaint)
        // Every column written, and the point as SpatiaLite's own geometry.
        try database.read { db in
            let row = try #require(try Row.fetchOne(db, sql: "SELECT *, ST_X(geom) AS x, ST_Y(geom) AS y FROM complaints WHERE number = ?",
                                                    arguments: [number]))
            let nulls = row.columnNames.filter { row[$0] == nil }
            #expect(nulls.isEmpty, "\(nulls)")
            #expect(row["x"] == station.location.longitude && row["y"] == station.location.latitude)
            #expect(row["submitted_at"] == "2026-05-28T20:26:40.123Z")
        }

        // An update writes the mutable columns back and keeps the rest.
        complaint.status = .closed
        complaint.urgent = nil
        let changed = complaint
        try database.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try ComplaintRecord.update(changed, in: db)
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        #expect(try database.read { db in try ComplaintRecord.complaint(db, number: number) } == complaint)
    }

    /// Stations read through the record carry exactly the point SpatiaLite holds.
    @Test func stationsReadTheStoredPointExactly() throws {
        let folder = try ScratchFolder("records")
        let database = try Self.database(in: folder)
        try database.read { db in
            let exact = try Row.fetchAll(db, sql: "SELECT id, ST_X(geom) AS x, ST_Y(geom) AS y FROM stations ORDER BY id")
            let stations = try StationRecord.stations(db)
            #expect(stations.count == exact.count && !stations.isEmpty)
            for (station, row) in zip(stations, exact) {
                #expect(station.id == row["id"] && station.location.longitude == row["x"] && station.location.latitude == row["y"])
            }
        }
    }

    /// Tokens keep their times in the one stored form.
    @Test func tokenTimesAreTimestamps() throws {
        let folder = try ScratchFolder("records")
        let database = try Self.database(in: folder)
        let at = Date(timeIntervalSince1970: 1_780_000_000.5)
        try database.writeImmediate { db in
            try TokenRecord.insert(StaffToken(name: "a", role: .admin), digest: Data(repeating: 1, count: 32), at: at, in: db)
            #expect(try TokenRecord.revoke(name: "a", at: at.addingTimeInterval(1), in: db))
            #expect(try !TokenRecord.revoke(name: "a", at: at.addingTimeInterval(2), in: db))
        }
        let listing = try database.read { db in try TokenRecord.all(db) }
        #expect(listing.map(\.createdAt) == ["2026-05-28T20:26:40.500Z"])
        #expect(listing.map(\.revokedAt) == ["2026-05-28T20:26:41.500Z"])
        #expect(try database.read { db in try TokenRecord.active(db) }.isEmpty)
    }
}
