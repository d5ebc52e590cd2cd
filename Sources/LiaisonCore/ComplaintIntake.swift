import Crypto
import Foundation
import Geodesy

/// What a consumer's complaint is about. The list is the one the mini-program offers.
public enum ComplaintCategory: String, Sendable, Hashable, CaseIterable, Codable {
    case product_quality, service_quality, false_advertising, price, contract, prepaid_card,
         food_safety, after_sales, online_shopping, other

    /// The label consumers see.
    public var label: String {
        switch self {
        case .product_quality: "商品质量"
        case .service_quality: "服务质量"
        case .false_advertising: "虚假宣传"
        case .price: "价格收费"
        case .contract: "合同纠纷"
        case .prepaid_card: "预付卡消费"
        case .food_safety: "食品安全"
        case .after_sales: "售后服务"
        case .online_shopping: "网络购物"
        case .other: "其他"
        }
    }

    public static let allowedNames = allCases.map(\.rawValue).joined(separator: ", ")
}

/// A validated complaint as the consumer filed it, before the desk numbers and assigns it.
///
/// ```json
/// {"location":{"lat":30.259,"lng":120.13,"coordsys":"gcj02"},
///  "consumer":{"name":"张三","phone":"+86 138 0013 8000"},
///  "merchant":{"name":"某某超市","address":"文三路 1 号","code":"91350100M000100Y43","id":"zjfx-100234"},
///  "category":"product_quality","description":"买到过期食品","preferred_mode":"video","amount_yuan":199.5}
/// ```
public struct ComplaintIntake: Sendable, Hashable {
    /// Where the dispute happened, in WGS-84.
    public var location: Coordinate
    /// The point as the caller gave it, in ``coordinateSystem``.
    public var givenLocation: Coordinate
    public var coordinateSystem: CoordinateSystem
    public var consumerName: String
    /// 11-digit mainland mobile.
    public var consumerPhone: String
    /// Who the consumer is to the filing client (`consumer.id`, e.g. the mini-program's openid):
    /// opaque, stored only as a keyed hash, so the client can list the consumer's complaints.
    public var consumerID: String?
    public var merchantName: String
    public var merchantAddress: String?
    /// The merchant's unified social credit code, when the consumer knows it (on the receipt or licence).
    public var merchantCode: String?
    /// The merchant's id on the consumer platform (a complaint started from the merchant's page carries it).
    public var merchantID: String?
    public var category: ComplaintCategory
    public var description: String
    public var preferredMode: MediationMode
    /// Amount in dispute in fen (0.01 yuan).
    public var amountFen: Int?
    /// The station the consumer chose (`preferred_station_id`), honoured when it can take the
    /// complaint (see ``AssignmentPolicy/decide(point:county:preferred:in:excluding:preferredStationID:openComplaints:explain:)``).
    public var preferredStationID: String?
    /// Whether a chosen station that cannot take the complaint is replaced by the rule's choice
    /// (the reason recorded) rather than refused (`preferred_station_fallback`).
    public var preferredStationFallback = false

    public init(location: Coordinate, givenLocation: Coordinate? = nil, coordinateSystem: CoordinateSystem = .wgs84,
                consumerName: String, consumerPhone: String, merchantName: String, merchantAddress: String? = nil, merchantCode: String? = nil,
                category: ComplaintCategory, description: String, preferredMode: MediationMode, amountFen: Int? = nil) {
        self.location = location
        self.givenLocation = givenLocation ?? location
        self.coordinateSystem = coordinateSystem
        self.consumerName = consumerName
        self.consumerPhone = consumerPhone
        self.merchantName = merchantName
        self.merchantAddress = merchantAddress
        self.merchantCode = merchantCode
        self.category = category
        self.description = description
        self.preferredMode = preferredMode
        self.amountFen = amountFen
    }

    public static let maxDescriptionCharacters = 2000
    public static let maxAmountYuan = 100_000_000.0

    static let fields: Set<String> = ["location", "consumer", "merchant", "category", "description", "preferred_mode", "amount_yuan",
                                      "preferred_station_id", "preferred_station_fallback"]
    static let required = ["location", "consumer", "merchant", "category", "description", "preferred_mode"]

    private struct Body: Decodable {
        struct Location: Decodable { let lat: Double; let lng: Double; let coordsys: String? }
        struct Consumer: Decodable { let name: String; let phone: String; let id: String? }
        struct Merchant: Decodable { let name: String; let address: String?; let code: String?; let id: String? }
        let location: Location
        let consumer: Consumer
        let merchant: Merchant
        let category: String
        let description: String
        let preferred_mode: String
        let amount_yuan: Double?
        let preferred_station_id: String?
        let preferred_station_fallback: Bool?
    }

    /// Parses and validates a JSON body.
    ///
    /// - Throws: ``InvalidInput`` naming every bad field (`consumer.phone`, `location.lat`...)
    ///   and what is allowed. Structural problems (unknown or missing fields, wrong types) are
    ///   reported before the values are checked.
    public static func validate(_ body: Data) throws(InvalidInput) -> ComplaintIntake {
        let object = try JSONBody.object(body, expected: "{\"location\", \"consumer\", \"merchant\", \"category\", \"description\", \"preferred_mode\"}")
        var problems = StationDraft.unknownFields(object, allowed: fields, prefix: "")
        problems += FreeText.problems(in: object)
        for name in required where object[name] == nil || object[name] is NSNull {
            problems.append(InvalidParameter(name: name, reason: "is required"))
        }
        // An optional field is left out, not null: null is not in any of their types.
        if object["amount_yuan"] is NSNull {
            problems.append(InvalidParameter(name: "amount_yuan", reason: "is null: leave it out, or give yuan from 0.01"))
        }
        for name in ["preferred_station_id", "preferred_station_fallback"] where object[name] is NSNull {
            problems.append(InvalidParameter(name: name, reason: "is null: leave it out, or give \(name == "preferred_station_id" ? "a station id ADCODE-NNNN" : "true or false")"))
        }
        for (name, allowed) in [("location", Set(["lat", "lng", "coordsys"])), ("consumer", Set(["name", "phone", "id"])), ("merchant", Set(["name", "address", "code", "id"]))] {
            if let inner = object[name] as? [String: Any] {
                problems += StationDraft.unknownFields(inner, allowed: allowed, prefix: name + ".")
                for (key, value) in inner.sorted(by: { $0.key < $1.key }) where value is NSNull && allowed.contains(key) {
                    problems.append(InvalidParameter(name: "\(name).\(key)", reason: "is null: expected a \(key == "lat" || key == "lng" ? "number" : "string")\(key == "coordsys" || key == "address" || key == "code" || key == "id" ? ", or leave it out" : "")"))
                }
            } else if object[name] != nil, !(object[name] is NSNull) {
                problems.append(InvalidParameter(name: name, reason: "expected an object with \(allowed.sorted().joined(separator: ", "))"))
            }
        }
        guard problems.isEmpty else { throw InvalidInput(problems) }

        let draft: Body
        do {
            draft = try JSONDecoder().decode(Body.self, from: body)
        } catch {
            throw InvalidInput([RegisterFile.parameter(for: error)])
        }

        for problem in [Coordinate.problem(latitude: draft.location.lat), Coordinate.problem(longitude: draft.location.lng)].compactMap({ $0 }) {
            problems.append(InvalidParameter(name: "location.\(problem.field)", reason: "\(problem.value) is not allowed: expected \(problem.allowed)"))
        }
        let system = CoordinateSystem(rawValue: draft.location.coordsys ?? "wgs84")
        if system == nil {
            problems.append(InvalidParameter(name: "location.coordsys", reason: "unknown coordinate system \"\(draft.location.coordsys ?? "")\": expected one of \(CoordinateSystem.allowedNames)"))
        }
        let consumerName = draft.consumer.name.cleaned
        if !Self.fits(draft.consumer.name, trimmed: consumerName, max: 32) {
            problems.append(InvalidParameter(name: "consumer.name", reason: "expected 1 to 32 characters"))
        }
        let phone = MobileNumber.normalized(draft.consumer.phone)
        if phone == nil {
            problems.append(InvalidParameter(name: "consumer.phone", reason: "\"\(draft.consumer.phone)\" is not a mobile number: expected \(MobileNumber.allowed)"))
        }
        if let id = draft.consumer.id, !Self.isConsumerID(id) {
            problems.append(InvalidParameter(name: "consumer.id", reason: "expected \(Self.consumerIDAllowed)"))
        }
        let merchantName = draft.merchant.name.cleaned
        if !Self.fits(draft.merchant.name, trimmed: merchantName, max: 100) {
            problems.append(InvalidParameter(name: "merchant.name", reason: "expected 1 to 100 characters"))
        }
        let merchantAddress = draft.merchant.address?.cleaned
        if let address = draft.merchant.address, address.unicodeScalars.count > 200 {
            problems.append(InvalidParameter(name: "merchant.address", reason: "expected at most 200 characters"))
        }
        if let code = draft.merchant.code, !Merchant.isCreditCode(code) {
            problems.append(InvalidParameter(name: "merchant.code", reason: "\"\(code)\" is not a unified social credit code: expected \(Merchant.creditCodeAllowed)"))
        }
        if let id = draft.merchant.id, !Enterprise.isMerchantID(id) {
            problems.append(InvalidParameter(name: "merchant.id", reason: "\"\(id)\" is not a merchant id: expected \(Enterprise.merchantIDAllowed)"))
        }
        let category = ComplaintCategory(rawValue: draft.category)
        if category == nil {
            problems.append(InvalidParameter(name: "category", reason: "unknown category \"\(draft.category)\": expected one of \(ComplaintCategory.allowedNames)"))
        }
        let description = draft.description.cleaned
        if !Self.fits(draft.description, trimmed: description, max: maxDescriptionCharacters) {
            problems.append(InvalidParameter(name: "description", reason: "expected 1 to \(maxDescriptionCharacters) characters (not only spaces), got \(draft.description.unicodeScalars.count)"))
        }
        let mode = MediationMode(rawValue: draft.preferred_mode)
        if mode == nil {
            problems.append(InvalidParameter(name: "preferred_mode", reason: "unknown mode \"\(draft.preferred_mode)\": expected one of \(MediationMode.allowedNames)"))
        }
        var amountFen: Int?
        if let yuan = draft.amount_yuan {
            let fen = (yuan * 100).rounded()
            if !(fen >= 1 && yuan <= maxAmountYuan) || abs(yuan * 100 - fen) > 1e-6 * max(1, fen) {
                problems.append(InvalidParameter(name: "amount_yuan", reason: "\(yuan) is not allowed: expected yuan from 0.01 to \(Int(maxAmountYuan)), with at most 2 decimals"))
            } else {
                amountFen = Int(fen)
            }
        }
        if let id = draft.preferred_station_id, !StationFeature.isStationID(id) {
            problems.append(InvalidParameter(name: "preferred_station_id", reason: "\"\(id)\" is not a station id: expected ADCODE-NNNN, e.g. 330106-0004"))
        }
        if draft.preferred_station_fallback != nil, draft.preferred_station_id == nil {
            problems.append(InvalidParameter(name: "preferred_station_fallback", reason: "given without preferred_station_id: choose a station, or leave both out"))
        }
        guard problems.isEmpty, let system, let phone, let category, let mode else { throw InvalidInput(problems) }
        let given = Coordinate(latitude: draft.location.lat, longitude: draft.location.lng)
        var intake = ComplaintIntake(location: system.toWGS84(given), givenLocation: given, coordinateSystem: system,
                                     consumerName: consumerName, consumerPhone: phone, merchantName: merchantName,
                                     merchantAddress: merchantAddress?.isEmpty == true ? nil : merchantAddress, merchantCode: draft.merchant.code,
                                     category: category, description: description, preferredMode: mode, amountFen: amountFen)
        intake.merchantID = draft.merchant.id
        intake.consumerID = draft.consumer.id
        intake.preferredStationID = draft.preferred_station_id
        intake.preferredStationFallback = draft.preferred_station_fallback ?? false
        return intake
    }

    /// A consumer id as clients send it, in `consumer.id` or `X-Consumer-Id`.
    public static func isConsumerID(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count) && id.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }

    public static let consumerIDAllowed = "1 to 128 printable ASCII characters without spaces: the consumer's id to the client, e.g. the mini-program's openid or a hash of it"

    /// Lengths count Unicode code points of the text as sent (as JSON Schema's maxLength does);
    /// the text with its surrounding spaces trimmed must not be empty.
    static func fits(_ raw: String, trimmed: String, max: Int) -> Bool {
        !trimmed.isEmpty && raw.unicodeScalars.count <= max
    }

    /// The body in a canonical form (sorted keys, no insignificant whitespace), so that an
    /// idempotent retry is recognised whatever the client's JSON formatting.
    /// SHA-256 of ``canonical(_:)``: what an idempotent retry must match.
    public static func fingerprint(_ body: Data) -> Data {
        Data(SHA256.hash(data: canonical(body)))
    }

    public static func canonical(_ body: Data) -> Data {
        guard let object = try? JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed]),
              let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed]) else { return body }
        return data
    }
}

/// A complaint location outside the area the stations serve.
public struct OutsideServiceArea: Error, Sendable, Hashable, CustomStringConvertible {
    public let nearestCountyName: String
    public let distanceMeters: Double

    public var description: String {
        "location is outside Zhejiang: \(String(format: "%.1f", distanceMeters / 1000)) km from the nearest county (\(nearestCountyName)); the liaison stations serve disputes that happened in Zhejiang"
    }
}

extension CountyLocator {
    /// A point outside every (simplified) county polygon but this close to one is served by it:
    /// the polygons are simplified to about 100 m and shops stand on harbour fronts.
    public static let serviceSlackMeters = 500.0

    /// The county that serves a complaint at `point` (WGS-84).
    public func servingCounty(of point: Coordinate) throws(OutsideServiceArea) -> County {
        try servingPlacement(of: point).county
    }

    /// The county that serves a complaint at `point` (WGS-84), and the other counties the
    /// point may be in (see ``borderCheck(_:placedIn:outsideBy:accuracy:)``).
    public func servingPlacement(of point: Coordinate) throws(OutsideServiceArea) -> (county: County, border: BorderCheck) {
        switch locate(point) {
        case .inside(let county):
            return (county, borderCheck(point, placedIn: county))
        case .outside(let county, let distance) where distance <= Self.serviceSlackMeters:
            return (county, borderCheck(point, placedIn: county, outsideBy: distance))
        case .outside(let county, let distance):
            throw OutsideServiceArea(nearestCountyName: county.name, distanceMeters: distance)
        case nil:
            throw OutsideServiceArea(nearestCountyName: "none", distanceMeters: .infinity)
        }
    }
}
