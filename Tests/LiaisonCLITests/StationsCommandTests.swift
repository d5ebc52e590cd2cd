import Foundation
import Testing
import LiaisonTestSupport

/// `liaison stations show|list` and `liaison where`.
@Suite(.tags(.slow)) final class StationsCommandTests {
    let sandbox: Sandbox

    init() throws {
        sandbox = try Sandbox(databases: ["x.sqlite"])
    }

    var db: String { sandbox.path("x.sqlite") }

    @Test func showingAnUnknownStationIsNotFound() async throws {
        let r = try await sandbox.run(["stations", "show", "330106-9999", "--db", db])
        #expect(r.status == 1, "\(r)")
        #expect(r.stdout.isEmpty, "\(r)")
        #expect(r.stderr.contains("330106-9999"), "\(r)")
        let json = try await sandbox.run(["stations", "show", "330106-9999", "--db", db, "--format", "json"])
        #expect(json.status == 1 && json.stdout.isEmpty, "\(json)")
    }

    @Test func showPrintsTheRecordWithStaffMobilesMasked() async throws {
        let station = try #require(try GeodataFile.stations().first { $0.id == "330106-0001" })
        let r = try await sandbox.run(["stations", "show", "330106-0001", "--db", db])
        try #require(r.status == 0, "\(r)")
        #expect(r.stdoutLines.first?.hasPrefix("330106-0001") == true)
        #expect(r.stdout.contains(station.properties.name))
        #expect(r.stdout.contains("330106 西湖区"))
        #expect(r.stdout.contains("\(station.latitude), \(station.longitude)"))
        #expect(!station.properties.staff.isEmpty)
        for member in station.properties.staff {
            #expect(!r.stdout.contains(member.mobile), "the full mobile \(member.mobile) must not be shown")
            #expect(r.stdout.contains("\(member.mobile.prefix(3))****\(member.mobile.suffix(4))"))
            #expect(r.stdout.contains(member.name))
        }

        let json = try await sandbox.run(["stations", "show", "330106-0001", "--db", db, "--format", "json"])
        try #require(json.status == 0, "\(json)")
        let detail = try json.json(StationOutput.self)
        #expect(detail.id == "330106-0001")
        #expect(detail.capacity == station.properties.capacity)
        #expect(detail.location.lat == station.latitude && detail.location.lng == station.longitude)
        #expect(detail.staff.map(\.mobile_masked) == station.properties.staff.map { "\($0.mobile.prefix(3))****\($0.mobile.suffix(4))" })
        #expect(detail.staff.allSatisfy { $0.mobile_masked.wholeMatch(of: /199\*{4}\d{4}/) != nil })
        for member in station.properties.staff {
            #expect(!json.stdout.contains(member.mobile), "the full mobile \(member.mobile) must not be in the JSON")
        }
    }

    /// No full staff mobile appears anywhere in a listing of the whole register.
    @Test func listingTheRegisterNeverShowsAFullStaffMobile() async throws {
        let r = try await sandbox.run(["stations", "list", "--db", db, "--format", "json"])
        try #require(r.status == 0, "\(r)")
        let mobiles = try GeodataFile.stations().flatMap { $0.properties.staff.map(\.mobile) }
        let leaked = mobiles.filter { r.stdout.contains($0) }
        #expect(leaked.isEmpty, "full staff mobiles printed: \(leaked.prefix(5))")
        #expect(try r.json([StationOutput].self).count == 2045)
    }

    @Test(arguments: ["330106", "330127", "330383", "330114"])
    func listOneCounty(county: String) async throws {
        let expected = try GeodataFile.stations().filter { $0.properties.county_code == county }.map(\.id).sorted()
        try #require(!expected.isEmpty)

        let json = try await sandbox.run(["stations", "list", "--county", county, "--db", db, "--format", "json"])
        try #require(json.status == 0, "\(json)")
        let listed = try json.json([StationOutput].self)
        #expect(listed.map(\.id) == expected)
        #expect(listed.allSatisfy { $0.county_code == county })

        let table = try await sandbox.run(["stations", "list", "--county", county, "--db", db])
        try #require(table.status == 0, "\(table)")
        let lines = table.stdoutLines
        #expect(lines.first?.hasPrefix("ID") == true)
        #expect(lines.last == "\(expected.count) stations")
        #expect(lines.dropFirst().dropLast().map { String($0.prefix(11)) } == expected)
    }

    @Test func whereNamesTheCountyOfAPointInZhejiang() async throws {
        let r = try await sandbox.run(["where", "--lat", "30.259", "--lng", "120.13", "--db", db])
        try #require(r.status == 0, "\(r)")
        #expect(r.stdout.contains("330106 西湖区"), "\(r)")
        #expect(r.stdout.contains("杭州市"))

        let json = try await sandbox.run(["where", "--lat", "30.259", "--lng", "120.13", "--db", db, "--format", "json"]).json(WhereOutput.self)
        #expect(json.inside_zhejiang)
        #expect(json.region?.county_code == "330106")
        #expect(json.region?.city_code == "330100")
        #expect(json.nearest == nil)
    }

    /// Each station of the register lies in its own county, so `where` at a station names it.
    @Test(arguments: ["330102-0001", "330127-0012", "330383-0001", "330922-0001", "331127-0003"])
    func whereAtAStationNamesItsCounty(id: String) async throws {
        let station = try #require(try GeodataFile.stations().first { $0.id == id })
        let r = try await sandbox.run(["where", "--lat", "\(station.latitude)", "--lng", "\(station.longitude)", "--db", db, "--format", "json"])
        try #require(r.status == 0, "\(r)")
        #expect(try r.json(WhereOutput.self).region?.county_code == station.properties.county_code)
    }

    @Test func whereOutsideZhejiangGivesTheNearestCountyAndDistance() async throws {
        let r = try await sandbox.run(["where", "--lat", "39.9042", "--lng", "116.4074", "--db", db, "--format", "json"])
        try #require(r.status == 0, "\(r)")
        let output = try r.json(WhereOutput.self)
        #expect(!output.inside_zhejiang)
        #expect(output.region == nil)
        let nearest = try #require(output.nearest)
        #expect(nearest.county_code.hasPrefix("33"))
        // Beijing is about a thousand kilometres from Zhejiang's northern border.
        let distance = try #require(nearest.distance_m)
        #expect((900_000...1_150_000).contains(distance), "\(distance) m")

        let table = try await sandbox.run(["where", "--lat", "39.9042", "--lng", "116.4074", "--db", db])
        #expect(table.stdout.contains("outside Zhejiang"))
        #expect(table.stdout.contains(nearest.county_code))
    }
}
