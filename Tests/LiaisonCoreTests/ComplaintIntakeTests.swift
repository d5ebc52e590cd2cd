import Foundation
import Geodesy
import LiaisonCore
import Testing

/// A complaint body as JSON text, field by field; nil leaves a field out.
struct IntakeBody: Sendable, CustomTestStringConvertible {
    var location: String? = #"{"lat":30.259,"lng":120.13,"coordsys":"gcj02"}"#
    var consumer: String? = #"{"name":" 张三 ","phone":"+86 138 0013 8000"}"#
    var merchant: String? = #"{"name":"某某超市","address":"文三路 1 号"}"#
    var category: String? = #""product_quality""#
    var description: String? = #""买到过期食品""#
    var preferredMode: String? = #""video""#
    var amount: String? = "199.5"
    /// Raw `"key":value` pairs added at the end.
    var extra: String?

    var json: String {
        let fields: [(String, String?)] = [("location", location), ("consumer", consumer), ("merchant", merchant), ("category", category),
                                           ("description", description), ("preferred_mode", preferredMode), ("amount_yuan", amount)]
        let pairs = fields.compactMap { name, value in value.map { "\"\(name)\":\($0)" } } + [extra].compactMap { $0 }
        return "{" + pairs.joined(separator: ",") + "}"
    }

    var data: Data { Data(json.utf8) }
    var testDescription: String { json.count > 300 ? String(json.prefix(300)) + "..." : json }
}

/// The names an invalid body is rejected with, or nil when it is accepted.
func rejectedNames(_ body: Data) -> [String]? {
    do {
        _ = try ComplaintIntake.validate(body)
        return nil
    } catch {
        return error.parameters.map(\.name)
    }
}

@Suite struct ComplaintIntakeTests {
    @Test func aValidBodyIsNormalised() throws {
        let intake = try ComplaintIntake.validate(IntakeBody().data)
        #expect(intake.consumerName == "张三")
        #expect(intake.consumerPhone == "13800138000")
        #expect(intake.merchantName == "某某超市")
        #expect(intake.merchantAddress == "文三路 1 号")
        #expect(intake.category == .product_quality)
        #expect(intake.description == "买到过期食品")
        #expect(intake.preferredMode == .video)
        #expect(intake.amountFen == 19950)
        #expect(intake.coordinateSystem == .gcj02)
        // The given point is kept as given; the working point is its WGS-84 original, which the
        // forward offset takes back to the given point, a few hundred metres away (Hangzhou).
        #expect(intake.givenLocation == Coordinate(latitude: 30.259, longitude: 120.13))
        let back = ChinaOffset.wgs84ToGCJ02(intake.location)
        #expect(abs(back.latitude - 30.259) < 1e-8 && abs(back.longitude - 120.13) < 1e-8, "\(back)")
        let shift = meters(intake.location, intake.givenLocation)
        #expect(shift > 300 && shift < 800, "GCJ-02 shift \(shift) m")
        #expect(intake.location.longitude < 120.13 && intake.location.latitude > 30.259, "GCJ-02 shifts Hangzhou east and south: \(intake.location)")
    }

    @Test func optionalFieldsAndDefaults() throws {
        let intake = try ComplaintIntake.validate(IntakeBody(location: #"{"lat":30.259,"lng":120.13}"#, merchant: #"{"name":"某某超市","address":"  "}"#,
                                                             amount: nil).data)
        #expect(intake.coordinateSystem == .wgs84)
        #expect(intake.location == Coordinate(latitude: 30.259, longitude: 120.13))
        #expect(intake.givenLocation == intake.location)
        #expect(intake.merchantAddress == nil)
        #expect(intake.amountFen == nil)
        // null is not a number: an optional field is left out (as the OpenAPI document says).
        #expect(rejectedNames(IntakeBody(amount: "null").data) == ["amount_yuan"])
    }

    @Test(arguments: [("13800138000", "13800138000"), ("+86 138 0013 8000", "13800138000"), ("0086-199-0000-0001", "19900000001"),
                      ("+8613912345678", "13912345678")])
    func phonesAreNormalised(given: String, stored: String) throws {
        let intake = try ComplaintIntake.validate(IntakeBody(consumer: #"{"name":"张三","phone":"\#(given)"}"#).data)
        #expect(intake.consumerPhone == stored)
    }

    @Test(arguments: [("0.01", 1), ("0.29", 29), ("1234.56", 123_456), ("100000000", 10_000_000_000), ("7", 700)])
    func amountsBecomeFen(yuan: String, fen: Int) throws {
        #expect(try ComplaintIntake.validate(IntakeBody(amount: yuan).data).amountFen == fen)
    }

    /// Lengths count code points as sent, as JSON Schema's maxLength does; surrounding spaces are then trimmed.
    @Test func descriptionsUpTo2000CharactersAreAccepted() throws {
        let longest = String(repeating: "投", count: 2000)
        #expect(try ComplaintIntake.validate(IntakeBody(description: "\"\(longest)\"").data).description == longest)
        let padded = String(repeating: "投", count: 1997)
        #expect(try ComplaintIntake.validate(IntakeBody(description: "\"  \(padded)\\n\"").data).description == padded)
        #expect(rejectedNames(IntakeBody(description: "\"\(longest)诉\"").data) == ["description"])
        #expect(rejectedNames(IntakeBody(description: "\"  \(longest)\"").data) == ["description"])
    }

    /// One bad field each: the error names exactly that field.
    static let singleBadField: [(String, IntakeBody)] = [
        ("location.lat", IntakeBody(location: #"{"lat":91,"lng":120.13}"#)),
        ("location.lat", IntakeBody(location: #"{"lat":-90.5,"lng":120.13}"#)),
        ("location.lng", IntakeBody(location: #"{"lat":30.259,"lng":180.01}"#)),
        ("location.coordsys", IntakeBody(location: #"{"lat":30.259,"lng":120.13,"coordsys":"wgs-84"}"#)),
        ("location.coordsys", IntakeBody(location: #"{"lat":30.259,"lng":120.13,"coordsys":"GCJ02"}"#)),
        ("location.lat", IntakeBody(location: #"{"lat":"30.259","lng":120.13}"#)),
        ("location.alt", IntakeBody(location: #"{"lat":30.259,"lng":120.13,"alt":12}"#)),
        ("location", IntakeBody(location: #""30.259,120.13""#)),
        ("consumer.phone", IntakeBody(consumer: #"{"name":"张三","phone":"12345"}"#)),
        ("consumer.phone", IntakeBody(consumer: #"{"name":"张三","phone":"+86 128 0013 8000"}"#)),
        ("consumer.phone", IntakeBody(consumer: #"{"name":"张三","phone":"0571-87000000"}"#)),
        ("consumer.name", IntakeBody(consumer: #"{"name":"","phone":"13800138000"}"#)),
        ("consumer.name", IntakeBody(consumer: #"{"name":"   ","phone":"13800138000"}"#)),
        ("consumer.name", IntakeBody(consumer: "{\"name\":\"\(String(repeating: "张", count: 33))\",\"phone\":\"13800138000\"}")),
        ("consumer.email", IntakeBody(consumer: #"{"name":"张三","phone":"13800138000","email":"a@b.cn"}"#)),
        ("merchant.name", IntakeBody(merchant: #"{"name":" "}"#)),
        ("merchant.name", IntakeBody(merchant: "{\"name\":\"\(String(repeating: "店", count: 101))\"}")),
        ("merchant.address", IntakeBody(merchant: "{\"name\":\"某某超市\",\"address\":\"\(String(repeating: "路", count: 201))\"}")),
        ("category", IntakeBody(category: #""fraud""#)),
        ("category", IntakeBody(category: #""商品质量""#)),
        ("description", IntakeBody(description: "\"\(String(repeating: "a", count: 2001))\"")),
        ("description", IntakeBody(description: #"" \n ""#)),
        ("preferred_mode", IntakeBody(preferredMode: #""phone""#)),
        ("preferred_mode", IntakeBody(preferredMode: #""Video""#)),
        ("amount_yuan", IntakeBody(amount: "1.234")),
        ("amount_yuan", IntakeBody(amount: "-5")),
        ("amount_yuan", IntakeBody(amount: "0")),
        ("amount_yuan", IntakeBody(amount: "100000000.01")),
        ("amount_yuan", IntakeBody(amount: "true")),
        ("amount_yuan", IntakeBody(amount: #""199.5""#)),
        ("priority", IntakeBody(extra: #""priority":"high""#)),
    ]

    @Test(arguments: singleBadField)
    func eachBadFieldIsNamed(field: String, body: IntakeBody) {
        #expect(rejectedNames(body.data) == [field])
    }

    @Test func messagesSayWhatIsAllowed() throws {
        let error = try #require(throws: InvalidInput.self) {
            try ComplaintIntake.validate(IntakeBody(location: #"{"lat":30.259,"lng":120.13,"coordsys":"mars"}"#, preferredMode: #""phone""#).data)
        }
        #expect(error.parameters.map(\.name) == ["location.coordsys", "preferred_mode"])
        #expect(error.parameters[0].reason.contains("wgs84, gcj02, bd09"), "\(error.parameters[0].reason)")
        #expect(error.parameters[1].reason.contains("offline, video"), "\(error.parameters[1].reason)")
    }

    @Test func missingRequiredFieldsAreReportedTogether() {
        #expect(rejectedNames(IntakeBody(consumer: nil, category: nil, description: nil).data) == ["consumer", "category", "description"])
        #expect(rejectedNames(Data("{}".utf8)) == ["location", "consumer", "merchant", "category", "description", "preferred_mode"])
        #expect(rejectedNames(IntakeBody(preferredMode: "null").data) == ["preferred_mode"])
    }

    @Test func severalBadValuesAreReportedTogether() {
        let body = IntakeBody(location: #"{"lat":95,"lng":120.13}"#, consumer: #"{"name":"张三","phone":"110"}"#, category: #""fraud""#)
        #expect(rejectedNames(body.data) == ["location.lat", "consumer.phone", "category"])
    }

    @Test(arguments: ["", "[]", "null", "\"complaint\"", "{\"location\":"])
    func aBodyThatIsNotAnObjectIsRejected(text: String) {
        #expect(rejectedNames(Data(text.utf8)) == ["body"])
    }

    @Test func canonicalFormIgnoresKeyOrderAndWhitespace() {
        let compact = Data(#"{"category":"price","location":{"lat":30.259,"lng":120.13},"amount_yuan":12.5}"#.utf8)
        let reordered = Data("""
            {
              "amount_yuan" : 12.5,
              "location" : { "lng" : 120.13, "lat" : 30.259 },
              "category" : "price"
            }
            """.utf8)
        let changed = Data(#"{"category":"price","location":{"lat":30.259,"lng":120.14},"amount_yuan":12.5}"#.utf8)
        #expect(ComplaintIntake.canonical(compact) == ComplaintIntake.canonical(reordered))
        #expect(ComplaintIntake.canonical(compact) != ComplaintIntake.canonical(changed))
        #expect(ComplaintIntake.canonical(IntakeBody().data) != ComplaintIntake.canonical(IntakeBody(description: #""买到过期牛奶""#).data))
        // Keys come out sorted, without spaces.
        let text = String(decoding: ComplaintIntake.canonical(reordered), as: UTF8.self)
        #expect(text.hasPrefix(#"{"amount_yuan":12.5,"category":"price","location":{"lat":30.259,"lng":120.13}"#), "\(text)")
    }

    // MARK: - Serving county

    @Test func aPointInsideIsServedByItsCounty() throws {
        #expect(try Geodata.locator.servingCounty(of: westLake).adcode == "330106")
        // 宁波 Tianyi Square.
        #expect(try Geodata.locator.servingCounty(of: Coordinate(latitude: 29.8683, longitude: 121.5440)).cityName == "宁波市")
    }

    /// About 190 m east of 北仑区's easternmost vertex (Ningbo, on the sea).
    static let justOffBeilun = Coordinate(latitude: 29.88118, longitude: 122.1401)
    /// About 800 m east of the same vertex.
    static let offBeilun = Coordinate(latitude: 29.88118, longitude: 122.1471)

    /// Just off the coast: in no (simplified) county polygon, but within the 500 m slack.
    @Test func aPointJustOffTheCoastIsServedByTheNearestCounty() throws {
        guard case .outside(let nearest, let distance) = Geodata.locator.locate(Self.justOffBeilun) else {
            Issue.record("set-up: \(Self.justOffBeilun) is inside a county")
            return
        }
        try #require(nearest.name == "北仑区" && distance > 100 && distance < 300, "set-up: \(distance) m from \(nearest.name)")
        #expect(try Geodata.locator.servingCounty(of: Self.justOffBeilun).name == "北仑区")
    }

    @Test func aPointJustPastTheSlackIsRejected() throws {
        guard case .outside(let nearest, let distance) = Geodata.locator.locate(Self.offBeilun) else {
            Issue.record("set-up: \(Self.offBeilun) is inside a county")
            return
        }
        try #require(nearest.name == "北仑区" && distance > 600 && distance < 1_000, "set-up: \(distance) m from \(nearest.name)")
        let error = #expect(throws: OutsideServiceArea.self) { try Geodata.locator.servingCounty(of: Self.offBeilun) }
        #expect(error?.nearestCountyName == "北仑区")
        #expect(error?.distanceMeters == distance)
        #expect(error?.description.hasPrefix("location is outside Zhejiang: \(String(format: "%.1f", distance / 1000)) km from the nearest county (北仑区)") == true,
                "\(String(describing: error))")
    }

    @Test func aPointFarOutsideIsRejectedWithTheNearestCounty() throws {
        let shanghai = Coordinate(latitude: 31.23, longitude: 121.47)
        let error = try #require(throws: OutsideServiceArea.self) { try Geodata.locator.servingCounty(of: shanghai) }
        #expect(error.distanceMeters > 30_000 && error.distanceMeters < 100_000, "\(error.distanceMeters)")
        #expect(Geodata.locator.counties.contains { $0.name == error.nearestCountyName && $0.cityName == "嘉兴市" }, "\(error.nearestCountyName)")
        #expect(error.description.hasPrefix("location is outside Zhejiang: "), "\(error)")
        #expect(error.description.contains("(\(error.nearestCountyName))"), "\(error)")
    }

    @Test func aPointPastTheSlackIsRejected() throws {
        let sea = Coordinate(latitude: 30.0, longitude: 123.5)
        #expect(throws: OutsideServiceArea.self) { try Geodata.locator.servingCounty(of: sea) }
    }

    @Test func anEmptyRegisterServesNothing() {
        let error = #expect(throws: OutsideServiceArea.self) { try CountyLocator([]).servingCounty(of: westLake) }
        #expect(error?.nearestCountyName == "none")
        #expect(error?.distanceMeters == .infinity)
    }
}

/// A body the service cannot read is refused with the reason: not UTF-8, not JSON, not an object.
@Suite struct JSONBodyTests {
    @Test(arguments: [
        (Data([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xFF, 0xFE, 0x22, 0x7D]), "is not UTF-8 text"),
        (Data(#"{"description":"x\ud800y"}"#.utf8), "is not valid JSON"),
        (Data(#"{"description":"#.utf8), "is not valid JSON"),
        (Data("[1, 2]".utf8), "not a JSON object"),
        (Data("\"text\"".utf8), "not a JSON object"),
    ])
    func unreadableBodiesSayWhy(_ body: Data, _ reason: String) {
        #expect(throws: InvalidInput.self) { try ComplaintIntake.validate(body) }
        do {
            _ = try JSONBody.object(body, expected: "{…}")
            Issue.record("accepted \(body)")
        } catch {
            #expect(error.parameters.map(\.name) == ["body"])
            #expect(error.parameters.first?.reason.hasPrefix(reason) == true, "\(error.parameters)")
            #expect(error.parameters.first?.reason.hasSuffix("expected {…}") == true)
        }
    }

    @Test func anObjectIsRead() throws {
        let object = try JSONBody.object(Data(#"{"note":"好 😀"}"#.utf8), expected: "{…}")
        #expect(object["note"] as? String == "好 😀")
    }
}
