import Foundation
import Geodesy
import LiaisonCore
import Testing

/// The register as CSV and as exported GeoJSON: what is written, and that it reads back to
/// the same stations and writes again to the same bytes.
@Suite struct StationCSVTests {
    static let header = "id,name,status,county_code,lng,lat,city,county,town,village,phone,modes,capacity,hours,staff"

    static func parse(_ data: Data, path: String? = nil) throws -> [Station] {
        guard case .stations(let stations) = try RegisterFile.parse(data, path: path, counties: Geodata.locator) else {
            Issue.record("the file did not parse as stations")
            return []
        }
        return stations
    }

    static func text(_ data: Data) -> String { String(decoding: data, as: UTF8.self) }

    /// A station with everything a spreadsheet or the cell syntax could trip over.
    static let awkward: Station = {
        var s = Geodata.stations.first { $0.countyCode == "330106" }!
        s.name = "王家村, \"上塘\"\n第二行联络站"
        s.status = .retired
        s.address.town = "石门镇;|\\"
        s.address.village = " 上塘村 "
        s.phone = "+86 (571) 6123-4567"
        s.modes = [.offline, .video]
        s.hours = WeeklyHours(mon: ["08:30-11:30", "13:30-17:00"], tue: ["08:30-11:30", "13:30-17:00"], wed: [],
                              thu: ["08:30-11:30", "13:30-17:00"], fri: ["09:00-12:00"], sat: ["09:00-12:00"], sun: ["00:00-24:00"])
        s.staff = [
            StaffMember(name: "李|斌;", role: " 站长", mobile: "19900009469"),
            StaffMember(name: "O\\Brien, \"Jr\"", role: "调解员\t", mobile: "19900009470"),
        ]
        return s
    }()

    // MARK: Writing

    @Test func headerRowAndOneRowPerStation() throws {
        let text = Self.text(try RegisterFile.encode(stations: Geodata.stations, format: .csv))
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.first == Self.header)
        #expect(lines.count == Geodata.stations.count + 2, "header, one line per station, and the empty string after the final CRLF")
        #expect(lines.last == "")
        #expect(!text.hasPrefix("\u{FEFF}"))
    }

    @Test func aShippedStationAsARow() throws {
        let s = try #require(Geodata.stations.first { $0.id == "330102-0003" })
        let line = Self.text(try RegisterFile.encode(stations: [s], format: .csv)).components(separatedBy: "\r\n")[1]
        #expect(line == "330102-0003,张宅村消费维权联络站,active,330102,120.2177576,30.3584551,杭州市,上城区,石田街道,张宅村,0571-63234744,"
            + "offline;video,10,\"mon-fri 08:30-11:30,13:30-17:00\",李雪芳|站长|19900006499|s1; 胡春燕|调解员|19900004221|s2")
    }

    @Test func theAwkwardStationIsEscapedAndQuoted() throws {
        let row = StationCSV.row(StationFeature(Self.awkward))
        let cell = { (name: String) in row[StationCSV.columns.firstIndex(of: name)!] }
        #expect(cell("name") == Self.awkward.name, "CSV quoting, not the cell syntax, protects free text")
        #expect(cell("status") == "retired")
        #expect(cell("town") == "石门镇;|\\")
        #expect(cell("village") == " 上塘村 ")
        #expect(cell("hours") == "mon-tue 08:30-11:30,13:30-17:00; thu 08:30-11:30,13:30-17:00; fri-sat 09:00-12:00; sun 00:00-24:00")
        #expect(cell("staff") == #"李\|斌\;|\ 站长|19900009469|s1; O\\Brien, "Jr"|调解员\"# + "\t" + "|19900009470|s2")
    }

    @Test func byteOrderMarkOnlyWhenAsked() throws {
        let data = try RegisterFile.encode(stations: [Self.awkward], format: .csv, byteOrderMark: true)
        #expect(Array(data.prefix(3)) == [0xEF, 0xBB, 0xBF])
        #expect(Self.text(data.dropFirst(3)).hasPrefix(Self.header + "\r\n"))
    }

    @Test func geoJSONIsOneSortedFeaturePerLine() throws {
        let text = Self.text(try RegisterFile.encode(stations: Array(Geodata.stations.prefix(3)), format: .geojson))
        let lines = text.components(separatedBy: "\n")
        #expect(lines.count == 6)
        #expect(lines[0] == #"{"features":["#)
        #expect(lines[1].hasPrefix(#"{"geometry":{"coordinates":[120.2218452,30.374799],"type":"Point"},"id":"330102-0001","properties":{"address":{"city":"杭州市","#), "\(lines[1])")
        #expect(lines[1].hasSuffix("},"))
        #expect(lines[4] == #"],"type":"FeatureCollection"}"#)
        #expect(lines[5] == "")
        let empty = Self.text(try RegisterFile.encode(stations: [], format: .geojson))
        #expect(try Self.parse(Data(empty.utf8)).isEmpty)
    }

    @Test func exportIsSortedByID() throws {
        let shuffled = Array(Geodata.stations.reversed())
        for format in RegisterFile.Format.allCases {
            #expect(try RegisterFile.encode(stations: shuffled, format: format) == RegisterFile.encode(stations: Geodata.stations, format: format))
        }
    }

    // MARK: Round trips

    @Test(arguments: RegisterFile.Format.allCases)
    func theShippedRegisterRoundTrips(_ format: RegisterFile.Format) throws {
        let data = try RegisterFile.encode(stations: Geodata.stations, format: format)
        let back = try Self.parse(data)
        #expect(back == Geodata.stations)
        #expect(try RegisterFile.encode(stations: back, format: format) == data)
    }

    @Test(arguments: RegisterFile.Format.allCases)
    func theAwkwardStationRoundTrips(_ format: RegisterFile.Format) throws {
        let stations = [Self.awkward] + Geodata.stations.filter { $0.id != Self.awkward.id }.prefix(5)
        let data = try RegisterFile.encode(stations: stations, format: format)
        let back = try Self.parse(data)
        #expect(back == stations.sorted { $0.id < $1.id })
        #expect(try RegisterFile.encode(stations: back, format: format) == data)
    }

    /// Coordinates with all 17 significant digits come back as the same `Double`s.
    @Test(arguments: RegisterFile.Format.allCases)
    func coordinatesSurviveExactly(_ format: RegisterFile.Format) throws {
        var random = SystemRandomNumberGenerator()
        let stations = Geodata.stations.map { s in
            var s = s
            s.location = Coordinate(latitude: s.location.latitude + Double.random(in: -1e-6...1e-6, using: &random),
                                    longitude: s.location.longitude + Double.random(in: -1e-6...1e-6, using: &random))
            return s
        }
        try #require(stations.contains { String($0.location.latitude).count >= 18 }, "the test needs long coordinates")
        let back = try Self.parse(try RegisterFile.encode(stations: stations, format: format))
        try #require(back.count == stations.count)
        for (a, b) in zip(back, stations) where a.location.latitude.bitPattern != b.location.latitude.bitPattern
            || a.location.longitude.bitPattern != b.location.longitude.bitPattern {
            Issue.record("\(a.id): \(b.location) came back as \(a.location)")
        }
    }

    // MARK: Reading

    @Test func theByteOrderMarkIsAcceptedOnImport() throws {
        let data = try RegisterFile.encode(stations: Geodata.stations, format: .csv, byteOrderMark: true)
        #expect(try Self.parse(data) == Geodata.stations)
        var geojson = Data(CSV.byteOrderMark)
        geojson.append(try RegisterFile.encode(stations: Geodata.stations, format: .geojson))
        #expect(try Self.parse(geojson) == Geodata.stations)
    }

    @Test func columnsInAnyOrderBlankRowsAndLFAreRead() throws {
        let s = try #require(Geodata.stations.first { $0.id == "330102-0003" })
        let text = """
            staff,hours,capacity,modes,phone,village,town,county,city,lat,lng,county_code,status,name,id

            ,,,,,,,,,,,,,,
            李雪芳|站长|19900006499;胡春燕|调解员|19900004221;,"mon-fri  08:30-11:30 , 13:30-17:00 ;sat closed", 10 ,video ; offline,0571-63234744,张宅村,石田街道,上城区,杭州市,30.3584551,120.2177576,330102,active,张宅村消费维权联络站,330102-0003
            """
        #expect(try Self.parse(Data(text.utf8)) == [s])
    }

    @Test(arguments: [
        ("", "error hours"),   // an active station closed every day
        ("sun closed; mon 09:00-10:00", "mon: [\"09:00-10:00\"], tue: [], wed: [], thu: [], fri: [], sat: [], sun: []"),
        ("sun 10:00-12:00", "mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [\"10:00-12:00\"]"),
        ("mon-sun 08:00-09:00; wed closed", "error hours.wed"),
        ("mon-fri 08:00-09:00; fri 10:00-11:00", "error hours.fri"),
        ("fri-mon 08:00-09:00", "error hours"),
        ("monday 08:00-09:00", "error hours"),
        ("mon", "error hours"),
        ("mon 8:00-9:00", "error hours.mon"),
        ("mon 09:00-10:00,08:00-09:00", "error hours.mon"),
    ])
    func hoursCells(_ cell: String, _ expected: String) throws {
        var row = StationCSV.row(StationFeature(try #require(Geodata.stations.first)))
        row[StationCSV.columns.firstIndex(of: "hours")!] = cell
        let data = Data(CSV.encode([StationCSV.columns, row]).utf8)
        do {
            let station = try #require(try Self.parse(data).first)
            let shown = station.hours.days.map { "\($0.name): \($0.intervals)" }.joined(separator: ", ")
            #expect(shown == expected)
        } catch let error as RegisterFile.FeatureError {
            #expect(expected.hasPrefix("error"), "\(error)")
            #expect(error.problems.map(\.name) == [String(expected.dropFirst(6))], "\(error)")
        }
    }

    /// One bad row among valid ones: the error names the row as a spreadsheet shows it, the id and
    /// the column, through the same validation as GeoJSON.
    @Test func aBadRowIsNamedByRowIDAndColumn() throws {
        var rows = [StationCSV.columns] + Geodata.stations.map { StationCSV.row(StationFeature($0)) }
        let staff = StationCSV.columns.firstIndex(of: "staff")!, town = StationCSV.columns.firstIndex(of: "town")!
        rows[18][staff] = rows[18][staff].replacing(/\|1\d{10}/, with: "|12345", maxReplacements: 1)
        rows[18][town] = "  "
        let id = Geodata.stations[17].id
        let error = #expect(throws: RegisterFile.FeatureError.self) { try Self.parse(Data(CSV.encode(rows).utf8)) }
        let e = try #require(error)
        #expect(e.row == 19, "the header is row 1, so the 18th station is row 19")
        #expect(e.index == 17)
        #expect(e.id == id)
        #expect(Set(e.problems.map(\.name)) == ["staff[0].mobile", "town"], "\(e)")
        #expect(e.description.hasPrefix("row 19 (id \"\(id)\"): "), "\(e)")
        #expect(e.description.contains("\"12345\" is not a mobile number"), "\(e)")
    }

    /// Reporting every error, each bad row is named, in file order; the plain parse still
    /// stops at the first.
    @Test func everyBadRowIsNamedWhenAsked() throws {
        var rows = [StationCSV.columns] + Geodata.stations.map { StationCSV.row(StationFeature($0)) }
        let town = StationCSV.columns.firstIndex(of: "town")!
        for row in [5, 18, 700] { rows[row][town] = "  " }
        let data = Data(CSV.encode(rows).utf8)
        let all = #expect(throws: RegisterFile.FeatureErrors.self) {
            try RegisterFile.parseReportingEveryError(data, path: "x.csv", counties: Geodata.locator)
        }
        let errors = try #require(all)
        // The header is row 1: the 5th station is row 6.
        #expect(errors.total == 3 && errors.errors.map(\.row) == [6, 19, 701])
        #expect(errors.description.hasPrefix("3 bad stations:\nrow 6 (id"), "\(errors)")
        let first = #expect(throws: RegisterFile.FeatureError.self) { try Self.parse(data) }
        #expect(first?.row == 6)
    }

    @Test(arguments: [
        ("lng", "east", ["lng"]),
        ("lat", "0x1p4", ["lat"]),
        ("lat", "nan", ["lat"]),
        ("lng", "121.5", ["lng/lat"]),          // a number, but outside the declared county
        ("capacity", "ten", ["capacity"]),
        ("capacity", "0", ["capacity"]),
        ("modes", "offline;fax", ["modes[1]"]),
        ("modes", "", ["modes"]),
        ("status", "closed", ["status"]),
        ("county_code", "330100", ["id", "county_code"]), // the id no longer starts with it either
        ("staff", "", ["staff"]),
        ("staff", "李斌|站长", ["staff[0]"]),
        ("staff", "李斌|站长|19900009469; |调解员|19900009470", ["staff[1].name"]),
        ("id", "330102-01", ["id"]),
    ])
    func badCellsAreNamedByColumn(_ column: String, _ value: String, _ fields: [String]) throws {
        var row = StationCSV.row(StationFeature(try #require(Geodata.stations.first)))
        row[StationCSV.columns.firstIndex(of: column)!] = value
        let error = #expect(throws: RegisterFile.FeatureError.self) {
            try Self.parse(Data(CSV.encode([StationCSV.columns, row]).utf8))
        }
        #expect(error?.problems.map(\.name) == fields, "\(String(describing: error))")
        #expect(error?.row == 2)
    }

    @Test func aRepeatedIDIsAnError() throws {
        let rows = [StationCSV.columns] + [0, 1, 0].map { StationCSV.row(StationFeature(Geodata.stations[$0])) }
        let error = #expect(throws: RegisterFile.FeatureError.self) { try Self.parse(Data(CSV.encode(rows).utf8)) }
        #expect(error?.row == 4)
        #expect(error?.problems.first?.reason.contains("more than once") == true)
    }

    @Test(arguments: [
        ("id,name\r\n", ["missing columns status, county_code"]),
        (StationCSVTests.header + ",note\r\n", ["unknown column \"note\""]),
        (StationCSVTests.header + ",id\r\n", ["repeated column id"]),
        ("", ["empty", "header"]),
        (StationCSVTests.header + "\r\n1,2,3\r\n", ["row 2", "3 cells"]),
        (StationCSVTests.header + "\r\n\"unclosed\r\n", ["line 2", "never closed"]),
    ])
    func aFileThatIsNotTheRegistersCSVIsAFormatError(_ text: String, _ mentions: [String]) throws {
        let error = #expect(throws: RegisterFile.FormatError.self) { try Self.parse(Data(text.utf8)) }
        for mention in mentions {
            #expect(error?.description.contains(mention) == true, "\(String(describing: error)) should mention \(mention)")
        }
    }

    @Test func textThatIsNotUTF8IsAFormatError() throws {
        var data = Data((Self.header + "\r\n").utf8)
        data.append(contentsOf: [0xD5, 0xC5, 0x2C]) // GBK, as Excel might save it
        let error = #expect(throws: RegisterFile.FormatError.self) { try Self.parse(data) }
        #expect(error?.description.contains("UTF-8") == true)
    }

    @Test func theFormatIsToldByContentThenName() {
        let csv = Data((Self.header + "\r\n").utf8), json = Data(" \n{\"type\":\"FeatureCollection\"}".utf8)
        #expect(RegisterFile.Format.detect(json) == .geojson)
        #expect(RegisterFile.Format.detect(Data(CSV.byteOrderMark) + json, path: "x.csv") == .geojson)
        #expect(RegisterFile.Format.detect(csv) == .csv)
        #expect(RegisterFile.Format.detect(Data(CSV.byteOrderMark) + csv, path: "x.txt") == .csv)
        #expect(RegisterFile.Format.detect(Data("garbage".utf8), path: "x.GeoJSON") == .geojson)
        #expect(RegisterFile.Format.detect(Data("garbage".utf8), path: "x.json") == .geojson)
        #expect(RegisterFile.Format.detect(Data(), path: nil) == .csv)
    }
}
