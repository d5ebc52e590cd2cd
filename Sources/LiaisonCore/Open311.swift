import Foundation

/// Open311 GeoReport v2 (<http://wiki.open311.org/GeoReport_v2>): how its fields map onto a
/// complaint. The services are the complaint categories; a request is a complaint filed by a
/// client application with its key.
public enum Open311 {
    /// `application/x-www-form-urlencoded` fields of `POST requests.json`.
    public static let standardFields: Set<String> = [
        "api_key", "jurisdiction_id", "service_code", "lat", "long", "address_string", "address_id", "email", "device_id",
        "account_id", "first_name", "last_name", "phone", "description", "media_url",
    ]
    /// The service attributes (`attribute[CODE]`) every category has.
    public static let attributeCodes = ["merchant_name", "merchant_address", "merchant_code", "preferred_mode"]

    /// Open311 field names for the complaint fields an error names.
    public static let fieldNames: [String: String] = [
        "location.lat": "lat", "location.lng": "long", "location": "lat", "consumer.name": "last_name", "consumer.phone": "phone",
        "merchant.name": "attribute[merchant_name]", "merchant.address": "attribute[merchant_address]",
        "merchant.code": "attribute[merchant_code]", "category": "service_code", "preferred_mode": "attribute[preferred_mode]",
        "description": "description",
    ]

    /// Parses an `application/x-www-form-urlencoded` body: `+` is a space, keys and values are
    /// percent-decoded. Nil when a `%` escape is malformed or not UTF-8.
    public static func form(_ body: Data) -> [(key: String, value: String)]? {
        var fields: [(String, String)] = []
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ s: Substring) -> String? {
                let spaced = s.replacingOccurrences(of: "+", with: " ")
                return spaced.contains("%") ? spaced.removingPercentEncoding : spaced
            }
            guard let key = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else { return nil }
            fields.append((key, value))
        }
        return fields
    }

    /// A complaint intake body (``ComplaintIntake``) from Open311 fields; the caller validates it.
    /// `address_string` stands in for the merchant's address when the attribute is absent.
    public static func intakeBody(_ f: [String: String]) -> Data {
        var location: [String: Any] = ["coordsys": "wgs84"]
        if let lat = f["lat"] { location["lat"] = Double(lat).map { $0 as Any } ?? lat }
        if let lng = f["long"] { location["lng"] = Double(lng).map { $0 as Any } ?? lng }
        let name = [f["last_name"], f["first_name"]].compactMap { $0?.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var merchant: [String: Any] = ["name": f["attribute[merchant_name]"] ?? ""]
        if let address = f["attribute[merchant_address]"] ?? f["address_string"], !address.isEmpty { merchant["address"] = address }
        if let code = f["attribute[merchant_code]"], !code.isEmpty { merchant["code"] = code }
        let body: [String: Any] = [
            "location": location,
            "consumer": ["name": name.joined(separator: " "), "phone": f["phone"] ?? ""],
            "merchant": merchant,
            "category": f["service_code"] ?? "",
            "description": f["description"] ?? "",
            "preferred_mode": f["attribute[preferred_mode]"].flatMap { $0.isEmpty ? nil : $0 } ?? "offline",
        ]
        return (try? JSONSerialization.data(withJSONObject: body, options: [.sortedKeys])) ?? Data()
    }

    /// A service in `services.json`.
    public struct Service: Sendable, Encodable {
        public let service_code: String
        public let service_name: String
        public let description: String
        public let metadata: Bool
        public let type: String
        public let keywords: String
        public let group: String

        public init(_ category: ComplaintCategory) {
            service_code = category.rawValue
            service_name = category.label
            description = "消费投诉：\(category.label)。由就近的村级消费维权联络站线下调解或在线视频调解。"
            metadata = true
            type = "realtime"
            keywords = "消费维权,投诉,\(category.label)"
            group = "消费维权"
        }
    }

    /// `services/{code}.json`: the attributes a request carries.
    public struct Definition: Sendable, Encodable {
        public struct Attribute: Sendable, Encodable {
            public struct Value: Sendable, Encodable {
                public let key: String
                public let name: String
            }
            public let variable: Bool
            public let code: String
            public let datatype: String
            public let required: Bool
            public let datatype_description: String
            public let order: Int
            public let description: String
            public let values: [Value]?
        }

        public let service_code: String
        public let attributes: [Attribute]

        public init(_ category: ComplaintCategory) {
            service_code = category.rawValue
            attributes = [
                Attribute(variable: true, code: "merchant_name", datatype: "string", required: true, datatype_description: "1 to 100 characters",
                          order: 1, description: "被投诉商家名称", values: nil),
                Attribute(variable: true, code: "merchant_address", datatype: "string", required: false, datatype_description: "at most 200 characters",
                          order: 2, description: "商家地址", values: nil),
                Attribute(variable: true, code: "merchant_code", datatype: "string", required: false,
                          datatype_description: Merchant.creditCodeAllowed, order: 3, description: "商家统一社会信用代码", values: nil),
                Attribute(variable: true, code: "preferred_mode", datatype: "singlevaluelist", required: false,
                          datatype_description: "offline (default) or video", order: 4, description: "调解方式",
                          values: [.init(key: "offline", name: "到联络站线下调解"), .init(key: "video", name: "在线视频调解")]),
            ]
        }
    }

    /// A service request as `requests.json` and `requests/{id}.json` show it.
    public struct Request: Sendable, Encodable {
        public let service_request_id: String
        /// `open` until mediation ended (resolved or failed), the complaint closed or was withdrawn.
        public let status: String
        public let status_notes: String
        public let service_name: String
        public let service_code: String
        public let description: String
        public let agency_responsible: String
        public let service_notice: String?
        public let requested_datetime: String
        public let updated_datetime: String
        public let expected_datetime: String?
        public let address: String?
        public let address_id: String?
        public let zipcode: String?
        public let lat: Double
        public let long: Double
        public let media_url: String?

        public init(_ c: Complaint, snapshot: StationSnapshot) {
            service_request_id = c.number
            status = [.resolved, .failed, .closed, .withdrawn].contains(c.status) ? "closed" : "open"
            status_notes = "\(c.status.rawValue): " + c.status.label
            service_name = c.intake.category.label
            service_code = c.intake.category.rawValue
            description = c.intake.description
            let station = c.stationID.flatMap { snapshot.station(id: $0) }
            agency_responsible = station?.name ?? snapshot.counties.county(code: c.countyCode).map { "\($0.name)消费维权联络站（待分派）" } ?? c.countyCode
            service_notice = c.assignmentReason
            requested_datetime = Timestamp.string(c.submittedAt)
            updated_datetime = Timestamp.string(c.updatedAt)
            let expected = c.milestones.acceptedAt == nil ? c.deadlines.acceptanceBy : c.deadlines.mediationBy
            expected_datetime = c.status.isTerminal ? nil : expected.map(Timestamp.string)
            address = c.intake.merchantAddress
            address_id = nil
            zipcode = nil
            lat = c.intake.givenLocation.latitude
            long = c.intake.givenLocation.longitude
            media_url = nil
        }
    }

    /// The GeoReport v2 error format: `[{"code": 400, "description": "..."}]`.
    public struct ErrorItem: Sendable, Encodable {
        public let code: Int
        public let description: String

        public init(code: Int, description: String) {
            self.code = code
            self.description = description
        }
    }
}
