import Foundation
import LiaisonCore
import LiaisonStore
import Testing
import LiaisonTestSupport

/// Creating, reopening and writing the register's database through its public API.
@Suite final class LiaisonDatabaseTests {
    let folder: ScratchFolder
    let geodata = GeodataDirectory(url: Repository.geodata)

    init() throws {
        folder = try ScratchFolder()
    }

    var databasePath: String { folder.path("register/liaison.sqlite") }

    /// The geodata database (a copy of the one built once), for tests about what comes after creation.
    func created() throws -> LiaisonDatabase {
        try FileManager.default.createDirectory(atPath: folder.path("register"), withIntermediateDirectories: true)
        return try TemplateDatabase.open(at: databasePath)
    }

    @Test func openOrCreateOnAMissingPathBuildsTheRegisterFromGeodata() throws {
        #expect(!FileManager.default.fileExists(atPath: databasePath))
        let db = try LiaisonDatabase.openOrCreate(path: databasePath, geodata: geodata)
        #expect(FileManager.default.fileExists(atPath: databasePath), "openOrCreate should create the file and its folder")
        let snapshot = try db.snapshot()
        #expect(snapshot.stations.count == 2045)
        #expect(snapshot.counties.counties.count == 90)
        let activeInFile = try Reference.stations().filter { $0.status == .active }.count
        #expect(snapshot.activeCount == activeInFile)

        // Exact equality, field by field: JSON columns and the point geometry give back what went in.
        let expectedStations = try Reference.stations().sorted { $0.id < $1.id }
        #expect(snapshot.stations == expectedStations)
        for (got, want) in zip(snapshot.stations, expectedStations) where got != want {
            Issue.record("station \(want.id) differs after the round trip: got \(got), want \(want)")
            break
        }
        // Boundaries cross SQLite as WKB, so every vertex comes back bit-identical.
        let expectedCounties = try Reference.counties().sorted { $0.adcode < $1.adcode }
        #expect(snapshot.counties.counties == expectedCounties)
        for (got, want) in zip(snapshot.counties.counties, expectedCounties) where got != want {
            Issue.record("county \(want.adcode) differs after the WKB round trip")
            break
        }
    }

    @Test func reopeningAnExistingFileReadsTheSameRegister() throws {
        let first = try LiaisonDatabase.openOrCreate(path: databasePath, geodata: geodata).snapshot()
        let reopened = try LiaisonDatabase(path: databasePath)
        let second = try reopened.snapshot()
        #expect(second.stations == first.stations)
        #expect(second.counties.counties == first.counties.counties)
        // openOrCreate on an existing file opens it rather than building it again.
        let again = try LiaisonDatabase.openOrCreate(path: databasePath, geodata: geodata).snapshot()
        #expect(again.stations == first.stations)

        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder.path("register")).filter { $0.contains(".creating-") }
        #expect(leftovers.isEmpty, "temporary creation files left beside the database: \(leftovers)")
    }

    @Test func openingAMissingFileWithoutGeodataThrowsAndCreatesNothing() throws {
        #expect(throws: StoreError.self) { try LiaisonDatabase(path: self.databasePath) }
        #expect(!FileManager.default.fileExists(atPath: databasePath))
    }

    @Test func openOrCreateWithABrokenGeodataFolderThrowsAndLeavesNoFile() throws {
        let empty = folder.url.appendingPathComponent("empty-geodata")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        #expect(throws: (any Error).self) {
            try LiaisonDatabase.openOrCreate(path: self.databasePath, geodata: GeodataDirectory(url: empty))
        }
        #expect(!FileManager.default.fileExists(atPath: databasePath), "a failed creation must not leave a database behind")
        let register = folder.url.appendingPathComponent("register")
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: register.path)) ?? []
        #expect(leftovers.isEmpty, "files left after a failed creation: \(leftovers)")
    }

    @Test func upsertingTheSameStationsChangesNothing() throws {
        let db = try created()
        let counts = try db.importStations(try Reference.stations())
        #expect(numbers(counts) == [0, 0, 2045])
        #expect(counts.description == "0 inserted, 0 updated, 2045 unchanged")
        #expect(try db.snapshot().stations == Reference.stations().sorted { $0.id < $1.id })
    }

    @Test func upsertingTheSameCountiesChangesNothing() throws {
        let db = try created()
        let counts = try db.upsert(counties: try Reference.counties())
        #expect(numbers(counts) == [0, 0, 90])
    }

    @Test func upsertUpdatesAChangedStationAndInsertsANewOne() throws {
        let db = try created()
        let stations = try Reference.stations()
        var changed = try #require(stations.first { $0.id == "330106-0001" })
        changed.capacity = changed.capacity == 999 ? 998 : 999
        changed.staff[0].name = "测试员"

        let updated = try db.importStations([changed])
        #expect(numbers(updated) == [0, 1, 0])
        #expect(try db.snapshot().station(id: changed.id) == changed)

        var fresh = changed
        fresh.id = "330106-9001"
        fresh.name = "新建村消费维权联络站"
        fresh.status = .retired
        fresh.modes = [.offline, .video]
        let inserted = try db.importStations([fresh, changed])
        #expect(numbers(inserted) == [1, 0, 1])

        // Read back through a new connection: the writes were committed to the file.
        let reopened = try LiaisonDatabase(path: databasePath).snapshot()
        #expect(reopened.stations.count == 2046)
        #expect(reopened.station(id: fresh.id) == fresh)
        #expect(reopened.station(id: changed.id) == changed)
        #expect(reopened.activeCount == stations.filter { $0.status == .active }.count, "a retired station is not indexed")
        // Every other station is untouched.
        let others = reopened.stations.filter { $0.id != fresh.id && $0.id != changed.id }
        #expect(others == stations.filter { $0.id != changed.id }.sorted { $0.id < $1.id })
    }

    @Test func aStationInAnUnknownCountyIsRejectedAndNothingIsWritten() throws {
        let db = try created()
        let stations = try Reference.stations()
        var good = try #require(stations.first { $0.id == "330106-0001" })
        good.id = "330106-9002"
        var orphan = good
        orphan.id = "339999-0001"
        orphan.countyCode = "339999"
        var changed = try #require(stations.first { $0.id == "330106-0002" })
        changed.capacity = changed.capacity == 999 ? 998 : 999

        // The valid insert and update come first in the same call; the whole call must roll back.
        #expect(throws: (any Error).self) { try db.importStations([good, changed, orphan]) }
        let after = try LiaisonDatabase(path: databasePath).snapshot()
        #expect(after.stations == stations.sorted { $0.id < $1.id })
        #expect(after.station(id: good.id) == nil)
        #expect(after.station(id: orphan.id) == nil)
    }
}

/// `[inserted, updated, unchanged]`.
func numbers(_ counts: LiaisonDatabase.ImportCounts) -> [Int] {
    [counts.inserted, counts.updated, counts.unchanged]
}
