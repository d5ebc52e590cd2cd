import Geodesy
import LiaisonCore
import Testing

/// One change to an otherwise valid station feature, and the field that must be blamed for it.
struct Mutation: Sendable, CustomStringConvertible {
    let description: String
    let field: String
    let apply: @Sendable (inout StationFeature) -> Void
}

@Suite struct StationFeatureValidationTests {
    /// A valid station of 330106 西湖区 from the shipped register.
    static let base: StationFeature = Geodata.stationFeatures.first { $0.properties.county_code == "330106" }!

    static func validate(_ f: StationFeature) -> Result<Station, InvalidInput> {
        do throws(InvalidInput) {
            return .success(try f.validated(counties: Geodata.locator))
        } catch {
            return .failure(error)
        }
    }

    static func problems(_ f: StationFeature) -> [InvalidParameter] {
        if case .failure(let error) = validate(f) { return error.parameters }
        return []
    }

    static func moved(_ f: StationFeature, to c: Coordinate) -> StationFeature {
        var f = f
        f.geometry.coordinates = [c.longitude, c.latitude]
        return f
    }

    @Test func baseIsValid() throws {
        let station = try Self.base.validated(counties: Geodata.locator)
        #expect(station.id == Self.base.id)
        #expect(station.countyCode == "330106")
        #expect(station.location == Coordinate(latitude: Self.base.geometry.coordinates[1], longitude: Self.base.geometry.coordinates[0]))
    }

    static let mutations: [Mutation] = [
        Mutation(description: "id too short", field: "id") { $0.id = "33010-0001" },
        Mutation(description: "id without dash", field: "id") { $0.id = "33010600001" },
        Mutation(description: "id with letters", field: "id") { $0.id = "330106-00A1" },
        Mutation(description: "id of another county", field: "id") { $0.id = "330102-0001" },
        Mutation(description: "not a Feature", field: "type") { $0.type = "Point" },
        Mutation(description: "polygon geometry", field: "geometry") { $0.geometry.type = "Polygon" },
        Mutation(description: "one coordinate", field: "geometry") { $0.geometry.coordinates = [120.13] },
        Mutation(description: "latitude out of range", field: "geometry.coordinates") { $0.geometry.coordinates = [120.13, 91] },
        Mutation(description: "empty name", field: "properties.name") { $0.properties.name = "" },
        Mutation(description: "blank name", field: "properties.name") { $0.properties.name = "   " },
        Mutation(description: "65-character name", field: "properties.name") { $0.properties.name = String(repeating: "站", count: 65) },
        Mutation(description: "abolished county, id to match", field: "properties.county_code") {
            $0.id = "330103-0001"
            $0.properties.county_code = "330103"
        },
        Mutation(description: "empty city", field: "properties.address.city") { $0.properties.address.city = "" },
        Mutation(description: "empty county", field: "properties.address.county") { $0.properties.address.county = "" },
        Mutation(description: "blank town", field: "properties.address.town") { $0.properties.address.town = "  " },
        Mutation(description: "empty village", field: "properties.address.village") { $0.properties.address.village = "" },
        Mutation(description: "phone in words", field: "properties.phone") { $0.properties.phone = "call the office" },
        Mutation(description: "4-digit phone", field: "properties.phone") { $0.properties.phone = "1234" },
        Mutation(description: "21-digit phone", field: "properties.phone") { $0.properties.phone = String(repeating: "1", count: 21) },
        Mutation(description: "bad hours", field: "properties.hours.tue") { $0.properties.hours.tue = ["9-5"] },
        Mutation(description: "hours past 24:00", field: "properties.hours.sun") { $0.properties.hours.sun = ["20:00-24:30"] },
        Mutation(description: "active and closed every day", field: "properties.hours") {
            $0.properties.hours = WeeklyHours(mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [])
        },
        Mutation(description: "unknown mode", field: "properties.modes[1]") { $0.properties.modes = ["offline", "phone"] },
        Mutation(description: "duplicate mode", field: "properties.modes[1]") { $0.properties.modes = ["video", "video"] },
        Mutation(description: "no modes", field: "properties.modes") { $0.properties.modes = [] },
        Mutation(description: "capacity 0", field: "properties.capacity") { $0.properties.capacity = 0 },
        Mutation(description: "capacity 1001", field: "properties.capacity") { $0.properties.capacity = 1001 },
        Mutation(description: "capacity -5", field: "properties.capacity") { $0.properties.capacity = -5 },
        Mutation(description: "unknown status", field: "properties.status") { $0.properties.status = "closed" },
        Mutation(description: "no staff", field: "properties.staff") { $0.properties.staff = [] },
        Mutation(description: "bad first mobile", field: "properties.staff[0].mobile") { $0.properties.staff[0].mobile = "12345" },
        Mutation(description: "bad second mobile", field: "properties.staff[1].mobile") {
            $0.properties.staff = [StaffMember(name: "王芳", role: "站长", mobile: "19900000012"),
                                   StaffMember(name: "李强", role: "调解员", mobile: "23800138000")]
        },
        Mutation(description: "staff without a name", field: "properties.staff[0].name") { $0.properties.staff[0].name = " " },
        Mutation(description: "staff without a role", field: "properties.staff[0].role") { $0.properties.staff[0].role = "" },
    ]

    @Test(arguments: mutations)
    func eachBadFieldIsReportedByItsPath(_ mutation: Mutation) {
        var f = Self.base
        mutation.apply(&f)
        let problems = Self.problems(f)
        #expect(problems.map(\.name) == [mutation.field], "\(mutation): \(problems)")
        #expect(problems.allSatisfy { !$0.reason.isEmpty })
    }

    @Test(arguments: [
        Mutation(description: "64-character name", field: "") { $0.properties.name = String(repeating: "站", count: 64) },
        Mutation(description: "capacity 1", field: "") { $0.properties.capacity = 1 },
        Mutation(description: "capacity 1000", field: "") { $0.properties.capacity = 1000 },
        Mutation(description: "retired", field: "") { $0.properties.status = "retired" },
        Mutation(description: "phone with +86 and brackets", field: "") { $0.properties.phone = "+86 (571) 8888-1234" },
        Mutation(description: "retired, with no opening hours left", field: "") {
            $0.properties.status = "retired"
            $0.properties.hours = WeeklyHours(mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [])
        },
    ])
    func acceptedBoundaries(_ mutation: Mutation) {
        var f = Self.base
        mutation.apply(&f)
        #expect(Self.problems(f).isEmpty, "\(mutation): \(Self.problems(f))")
    }

    @Test func everyProblemIsReportedAtOnce() {
        var f = Self.base
        f.properties.name = ""
        f.properties.capacity = 0
        f.properties.status = "closed"
        f.properties.staff[0].mobile = "1234"
        f.properties.modes = []
        #expect(Set(Self.problems(f).map(\.name)) == ["properties.name", "properties.capacity", "properties.status",
                                                      "properties.staff[0].mobile", "properties.modes"])
    }

    /// A West Lake station moved to Ningbo: the error names where the point actually is.
    @Test func locationInAnotherCounty() throws {
        let ningbo = Coordinate(latitude: 29.87, longitude: 121.55)
        guard case .inside(let actual) = Geodata.locator.locate(ningbo) else {
            Issue.record("\(ningbo) is not in a county")
            return
        }
        try #require(actual.cityCode == "330200", "\(ningbo) is in \(actual.adcode), not Ningbo")
        let problems = Self.problems(Self.moved(Self.base, to: ningbo))
        #expect(problems.map(\.name) == ["geometry.coordinates"])
        let reason = try #require(problems.first?.reason)
        #expect(reason.contains(actual.adcode) && reason.contains(actual.name), "reason: \(reason)")
        #expect(reason.contains("330106"), "reason: \(reason)")
    }

    @Test(arguments: [
        ("Shanghai", Coordinate(latitude: 31.2304, longitude: 121.4737)),
        ("Beijing", Coordinate(latitude: 39.9042, longitude: 116.4074)),
        ("East China Sea", Coordinate(latitude: 29.0, longitude: 124.5)),
    ])
    func locationOutsideZhejiang(_ name: String, _ place: Coordinate) throws {
        let problems = Self.problems(Self.moved(Self.base, to: place))
        #expect(problems.map(\.name) == ["geometry.coordinates"], "\(name)")
        let reason = try #require(problems.first?.reason)
        #expect(reason.contains("outside Zhejiang"), "reason: \(reason)")
    }

    /// The polygons are simplified to about 100 m, so a point a little over the declared
    /// county's border is accepted (up to 200 m); one a kilometre over is not.
    @Test func borderToleranceIsAboutTwoHundredMetres() throws {
        let county = try #require(Geodata.locator.county(code: "330106"))
        let s = Coordinate(latitude: Self.base.geometry.coordinates[1], longitude: Self.base.geometry.coordinates[0])
        let edge = county.boundary.nearestBoundaryPoint(to: s)
        // Step from the station through its nearest border point and beyond, by `beyond` metres.
        func across(_ beyond: Double) -> Coordinate {
            let k = (edge.distanceMeters + beyond) / edge.distanceMeters
            return Coordinate(latitude: s.latitude + k * (edge.point.latitude - s.latitude),
                              longitude: s.longitude + k * (edge.point.longitude - s.longitude))
        }
        let near = across(100), far = across(1_000)
        try #require(!county.boundary.contains(near) && !county.boundary.contains(far))
        let nearGap = county.boundary.nearestBoundaryPoint(to: near).distanceMeters
        let farGap = county.boundary.nearestBoundaryPoint(to: far).distanceMeters
        try #require(nearGap > 50 && nearGap < 150 && farGap > 300, "gaps \(nearGap) m, \(farGap) m")
        #expect(Self.problems(Self.moved(Self.base, to: near)).isEmpty)
        #expect(Self.problems(Self.moved(Self.base, to: far)).map(\.name) == ["geometry.coordinates"])
    }

    @Test func mobilesAreStoredAsElevenDigits() throws {
        var f = Self.base
        f.properties.staff = [StaffMember(name: "王芳", role: "站长", mobile: "+86 199-0000-0012"),
                              StaffMember(name: "李强", role: "调解员", mobile: "0086 19900000013")]
        let station = try f.validated(counties: Geodata.locator)
        #expect(station.staff.map(\.mobile) == ["19900000012", "19900000013"])
        #expect(station.staff.map(\.name) == ["王芳", "李强"])
    }

    @Test func modesAreSortedAndNameTrimmed() throws {
        var f = Self.base
        f.properties.modes = ["video", "offline"]
        f.properties.name = "  柳塘村消费维权联络站 "
        let station = try f.validated(counties: Geodata.locator)
        #expect(station.modes == [.offline, .video])
        #expect(station.name == "柳塘村消费维权联络站")
    }
}
