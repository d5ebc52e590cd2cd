import Foundation
import Geodesy
import LiaisonCore
import Testing

@Suite struct StationDetailTests {
    static func station() -> Station {
        var s = Geodata.stations.first { $0.countyCode == "330106" }!
        s.staff = [StaffMember(name: "王芳", role: "站长", mobile: "19900000012"),
                   StaffMember(name: "李强", role: "调解员", mobile: "13812345678")]
        s.phone = "0571-87654321"
        return s
    }

    @Test func staffMobilesAreMaskedAndThePhoneIsNot() throws {
        let detail = StationDetail(Self.station(), counties: Geodata.locator)
        #expect(detail.staff.map(\.mobile_masked) == ["199****0012", "138****5678"])
        #expect(detail.staff.map(\.name) == ["王芳", "李强"])
        #expect(detail.phone == "0571-87654321")
        let json = String(decoding: try JSONOutput.encode(detail), as: UTF8.self)
        #expect(!json.contains("19900000012") && !json.contains("13812345678"), "a full staff mobile leaked: \(json)")
        #expect(json.contains("199****0012") && json.contains("0571-87654321"))
        #expect(json.contains("\"mobile_masked\"") && !json.contains("\"mobile\""))
    }

    @Test func namesTheCountyAndCity() {
        let s = Self.station()
        let detail = StationDetail(s, counties: Geodata.locator)
        #expect(detail.county_code == "330106" && detail.county_name == "西湖区")
        #expect(detail.city_code == "330100" && detail.city_name == "杭州市")
        #expect(detail.address_line == s.address.city + s.address.county + s.address.town + s.address.village)
        #expect(detail.modes == s.modes && detail.capacity == s.capacity && detail.status == .active)
    }

    @Test(arguments: CoordinateSystem.allCases)
    func locationIsInTheRequestedSystem(_ system: CoordinateSystem) {
        let s = Self.station()
        let detail = StationDetail(s, counties: Geodata.locator, coordinateSystem: system)
        let want = system.fromWGS84(s.location)
        #expect(abs(detail.location.lat - want.latitude) <= 1e-7 && abs(detail.location.lng - want.longitude) <= 1e-7)
        #expect(detail.location.coordsys == system)
    }

    @Test func keysAreSnakeCaseAndSorted() throws {
        let json = String(decoding: try JSONOutput.encode(StationDetail(Self.station(), counties: Geodata.locator)), as: UTF8.self)
        let objects = objectKeysInOrder(json)
        #expect(objects.flatMap { $0 }.count > 10)
        // The week's days are keys too (mon … sun): lower-case words joined by underscores.
        let snakeCase = /[a-z][a-z0-9]*(_[a-z0-9]+)*/
        for keys in objects {
            #expect(keys == keys.sorted(), "\(keys)")
            for key in keys {
                #expect(key.wholeMatch(of: snakeCase) != nil, "\(key) is not snake_case")
            }
        }
    }
}
