import Foundation

/// An enterprise of the register: who it is, whom to contact about complaints, and whether it
/// is enrolled in the direct train (诉求即办直通车), where complaints about it go to it first
/// for it to settle itself within its window.
public struct Enterprise: Sendable, Hashable {
    /// The unified social credit code (统一社会信用代码, GB 32100-2015).
    public var creditCode: String
    public var name: String
    /// The merchant's id on the consumer platform, when it has one (complaints may name it instead of the code).
    public var merchantID: String?
    public var contactName: String
    public var contactPhone: String
    /// Enrolled in the direct train since this instant; nil when not enrolled.
    public var enrolledAt: Date?
    /// The self-settlement window; nil uses the service level (`enterprise_settlement`).
    public var settleDays: Int?
    public var createdAt: Date

    public init(creditCode: String, name: String, merchantID: String?, contactName: String, contactPhone: String,
                enrolledAt: Date? = nil, settleDays: Int? = nil, createdAt: Date) {
        self.creditCode = creditCode
        self.name = name
        self.merchantID = merchantID
        self.contactName = contactName
        self.contactPhone = contactPhone
        self.enrolledAt = enrolledAt
        self.settleDays = settleDays
        self.createdAt = createdAt
    }

    public var isEnrolled: Bool { enrolledAt != nil }

    /// The name of the enterprise's API key in the token register.
    public var keyName: String { "enterprise-" + creditCode }

    /// Working days an enterprise may be given to settle: 1 to 30.
    public static let settleDaysRange = 1...30

    /// A merchant id: 1 to 64 characters of `A-Z a-z 0-9 . _ : -`.
    public static func isMerchantID(_ text: String) -> Bool {
        (1...64).contains(text.utf8.count) && text.utf8.allSatisfy {
            (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || [45, 46, 58, 95].contains($0)
        }
    }

    public static let merchantIDAllowed = "1 to 64 characters of A-Z, a-z, 0-9, '.', '_', ':' and '-'"

    /// The body of `POST /v1/enterprises`:
    ///
    /// ```json
    /// {"credit_code": "91330100MA2AXXXX0X", "name": "某某超市有限公司", "merchant_id": "zjfx-100234",
    ///  "contact": {"name": "王经理", "phone": "13900001111"}}
    /// ```
    /// - Throws: ``InvalidInput`` naming every bad field.
    public static func validate(_ body: Data, at now: Date) throws(InvalidInput) -> Enterprise {
        let object = try JSONBody.object(body, expected: "{\"credit_code\", \"name\", \"merchant_id\", \"contact\": {\"name\", \"phone\"}}")
        var problems = StationDraft.unknownFields(object, allowed: ["credit_code", "name", "merchant_id", "contact"], prefix: "")
        problems += FreeText.problems(in: object)
        problems += nullFields(object)
        let code = object["credit_code"] as? String
        if code == nil || !Merchant.isCreditCode(code!) {
            problems.append(InvalidParameter(name: "credit_code", reason: "\(code.map { "\"\($0)\"" } ?? "missing"): expected \(Merchant.creditCodeAllowed)"))
        }
        // Lengths count Unicode code points of the text as sent, as everywhere in the API (and JSON Schema's maxLength).
        let rawName = object["name"] as? String
        let name = rawName?.cleaned
        if rawName == nil || !ComplaintIntake.fits(rawName!, trimmed: name!, max: 100) {
            problems.append(InvalidParameter(name: "name", reason: "expected 1 to 100 characters"))
        }
        var merchantID: String?
        if let raw = object["merchant_id"], !(raw is NSNull) {
            if let id = raw as? String, isMerchantID(id) { merchantID = id } else {
                problems.append(InvalidParameter(name: "merchant_id", reason: "expected \(merchantIDAllowed)"))
            }
        }
        var contactName: String?, contactPhone: String?
        if let contact = object["contact"] as? [String: Any] {
            problems += StationDraft.unknownFields(contact, allowed: ["name", "phone"], prefix: "contact.")
            let rawContact = contact["name"] as? String
            contactName = rawContact?.cleaned
            if rawContact == nil || !ComplaintIntake.fits(rawContact!, trimmed: contactName!, max: 50) {
                problems.append(InvalidParameter(name: "contact.name", reason: "expected 1 to 50 characters"))
            }
            contactPhone = (contact["phone"] as? String).flatMap(ContactPhone.normalized)
            if contactPhone == nil {
                problems.append(InvalidParameter(name: "contact.phone", reason: "expected a mainland mobile (13800138000) or a landline with area code (0571-87654321)"))
            }
        } else {
            problems.append(InvalidParameter(name: "contact", reason: "expected an object {\"name\": ..., \"phone\": ...}"))
        }
        guard problems.isEmpty, let code, let name, let contactName, let contactPhone else { throw InvalidInput(firstPerField(problems)) }
        return Enterprise(creditCode: code, name: name, merchantID: merchantID, contactName: contactName, contactPhone: contactPhone, createdAt: now)
    }
}

/// A phone number for a business contact: a mobile or a landline with its area code.
public enum ContactPhone {
    /// `13800138000` for a mobile (``MobileNumber`` rules), `0571-87654321` for a landline
    /// (area code 0 + 2 or 3 digits, 7 or 8 digits); nil otherwise.
    public static func normalized(_ text: String) -> String? {
        if let mobile = MobileNumber.normalized(text) { return mobile }
        let parts = text.trimmingCharacters(in: .whitespaces).split(separator: "-")
        guard parts.count == 2, parts[0].hasPrefix("0"), (3...4).contains(parts[0].count), (7...8).contains(parts[1].count),
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else { return nil }
        return parts.joined(separator: "-")
    }
}
