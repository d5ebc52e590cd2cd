import Foundation
import LiaisonCore
import Testing

/// Staff members have ids within their station, so one member can be edited or removed alone:
/// registers without ids read as `s1`, `s2`… by position, ids survive export and import, and
/// a draft naming a member by id may send its mobile masked as reads show it.
@Suite struct StaffIDTests {
    static func member(_ id: String = "", _ mobile: String) -> StaffMember {
        StaffMember(id: id, name: "员\(mobile.suffix(2))", role: "调解员", mobile: mobile)
    }

    @Test func membersWithoutIDsAreNumberedAfterTheOthers() {
        let plain = StaffMember.numbered([Self.member("", "19900000001"), Self.member("", "19900000002"), Self.member("", "19900000003")])
        #expect(plain.map(\.id) == ["s1", "s2", "s3"])
        let mixed = StaffMember.numbered([Self.member("s2", "19900000001"), Self.member("", "19900000002"), Self.member("s5", "19900000003"), Self.member("", "19900000004")])
        #expect(mixed.map(\.id) == ["s2", "s6", "s5", "s7"])
        // Above the highest ever given, so a removed member's id comes back to no one.
        #expect(StaffMember.numbered([Self.member("s1", "19900000001"), Self.member("", "19900000002")], above: 4).map(\.id) == ["s1", "s5"])
        #expect(["s1", "s999999"].map(StaffMember.number(of:)) == [1, 999_999])
        #expect(["", "s", "s0", "s01", "S1", "s1a", "x1", "s1000000"].allSatisfy { StaffMember.number(of: $0) == nil })
    }

    /// The shipped register has no staff ids: every read numbers them the same way.
    @Test func aRegisterWithoutIDsReadsAsNumberedByPosition() throws {
        let text = String(decoding: Geodata.stationsData, as: UTF8.self)
        #expect(!text.contains(#""id":"s1""#), "the shipped register was expected to have no staff ids")
        for station in Geodata.stations.prefix(200) {
            #expect(station.staff.map(\.id) == station.staff.indices.map { "s\($0 + 1)" })
        }
    }

    @Test(arguments: RegisterFile.Format.allCases)
    func idsSurviveExportAndImport(format: RegisterFile.Format) throws {
        var stations = Array(Geodata.stations.prefix(3))
        stations[0].staff = [Self.member("s2", "19900000011"), Self.member("s5", "19900000012")]
        stations[1].staff = [Self.member("s7", "19900000013")]
        let data = try RegisterFile.encode(stations: stations, format: format)
        guard case .stations(let back) = try RegisterFile.parse(data, path: nil, counties: Geodata.locator) else {
            Issue.record("the export did not read back as stations")
            return
        }
        #expect(back == stations)
        #expect(back[0].staff.map(\.id) == ["s2", "s5"] && back[1].staff.map(\.id) == ["s7"])
    }

    @Test func aBadOrRepeatedIDInARegisterIsNamed() throws {
        var feature = StationFeature(Geodata.stations[0])
        feature.properties.staff = [Self.member("x1", "19900000011"), Self.member("s3", "19900000012"), Self.member("s3", "19900000013")]
        #expect(throws: InvalidInput.self) { try feature.validated(counties: Geodata.locator) }
        do {
            _ = try feature.validated(counties: Geodata.locator)
        } catch {
            #expect(error.parameters.map(\.name) == ["properties.staff[0].id", "properties.staff[2].id"])
        }
    }

    // MARK: Drafts

    static let stored = [member("s1", "13800138000"), member("s4", "13900139000")]

    static func validate(_ staff: [[String: Any]], issued: Int = 4) throws(InvalidInput) -> [StaffMember] {
        try StationDraft.validate(StationDraftTests.draft(["staff": staff]), id: "330106-0999", counties: StationDraftTests.counties,
                                  staff: stored, staffIssued: issued).station.staff
    }

    static func names(_ staff: [[String: Any]]) -> [String] {
        do {
            _ = try validate(staff)
            return []
        } catch {
            return error.parameters.map(\.name)
        }
    }

    @Test func aMemberNamedByIDKeepsItsStoredMobileWhenSentMasked() throws {
        let staff = try Self.validate([
            ["id": "s4", "name": "改名", "role": "站长", "mobile": "139****9000"],
            ["id": "s1", "name": "员00", "role": "调解员", "mobile": "13800138000"],
            ["name": "新人", "role": "联络员", "mobile": "+86 137 0013 7000"],
        ])
        #expect(staff.map(\.id) == ["s4", "s1", "s5"])
        #expect(staff.map(\.mobile) == ["13900139000", "13800138000", "13700137000"])
        #expect(staff[0].name == "改名")
        // Above the history's highest, not only the members there now.
        #expect(try Self.validate([["name": "新人", "role": "联络员", "mobile": "13700137000"]], issued: 9).map(\.id) == ["s10"])
    }

    @Test func maskedMobilesAndUnknownIDsAreRefusedByField() {
        // Masked without an id: a new member needs the number.
        #expect(Self.names([["id": "s1", "name": "a", "role": "b", "mobile": "138****8000"],
                            ["name": "c", "role": "d", "mobile": "139****9000"]]) == ["staff[1].mobile"])
        // Masked as another member's number.
        #expect(Self.names([["id": "s1", "name": "a", "role": "b", "mobile": "139****9000"]]) == ["staff[0].mobile"])
        // An unknown id, and so a masked number that keeps nothing: both named.
        #expect(Self.names([["id": "s2", "name": "a", "role": "b", "mobile": "138****8000"]]) == ["staff[0].id", "staff[0].mobile"])
        #expect(Self.names([["id": "s1", "name": "a", "role": "b", "mobile": "13800138000"],
                            ["id": "s1", "name": "a", "role": "b", "mobile": "13800138000"]]) == ["staff[1].id"])
        #expect(Self.names([["id": 1, "name": "a", "role": "b", "mobile": "13800138000"]]).contains("staff[0].id"))
        // A new station has no members to name.
        #expect(StationDraftTests.problems(StationDraftTests.draft(["staff": [["id": "s1", "name": "a", "role": "b", "mobile": "13800138000"]]])) == ["staff[0].id"])
    }
}
