/// What a staff token may write.
public enum StaffRole: Sendable, Hashable, CustomStringConvertible {
    /// Any station.
    case admin
    /// Only stations located in this county (adcode).
    case county(String)
    /// Not staff: a client application's key (an Open311 `api_key`). It files complaints and
    /// reads back those it filed, and is refused on every staff route.
    case client
    /// Not staff: an enterprise's key in the direct train (its credit code). It lists and
    /// answers the complaints sent to that enterprise, and is refused on every staff route.
    case enterprise(String)

    /// Parses `admin`, `county:ADCODE`, `client` or `enterprise:CREDIT_CODE`.
    public init?(_ text: String) {
        if text == "admin" {
            self = .admin
        } else if text == "client" {
            self = .client
        } else if text.hasPrefix("county:"), Adcode.isCounty(String(text.dropFirst(7))) {
            self = .county(String(text.dropFirst(7)))
        } else if text.hasPrefix("enterprise:"), Merchant.isCreditCode(String(text.dropFirst(11))) {
            self = .enterprise(String(text.dropFirst(11)))
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .admin: "admin"
        case .county(let code): "county:\(code)"
        case .client: "client"
        case .enterprise(let code): "enterprise:\(code)"
        }
    }

    /// Whether this role may write a station located in `countyCode`.
    public func permits(countyCode: String) -> Bool {
        switch self {
        case .admin: true
        case .county(let code): code == countyCode
        case .client, .enterprise: false
        }
    }

    public var isAdmin: Bool { if case .admin = self { true } else { false } }

    public var isStaff: Bool {
        switch self {
        case .admin, .county: true
        case .client, .enterprise: false
        }
    }

    public static let allowed = "admin, county:ADCODE (a Zhejiang county adcode, e.g. county:330106) or client (an Open311 api_key)"
}

/// A named API token's identity (never the token itself).
public struct StaffToken: Sendable, Hashable {
    public let name: String
    public let role: StaffRole

    public init(name: String, role: StaffRole) {
        self.name = name
        self.role = role
    }

    /// A token as `tokens list` shows it.
    public struct Listing: Sendable, Hashable {
        public let name: String
        public let role: StaffRole
        public let createdAt: String
        public let revokedAt: String?

        public init(name: String, role: StaffRole, createdAt: String, revokedAt: String?) {
            self.name = name
            self.role = role
            self.createdAt = createdAt
            self.revokedAt = revokedAt
        }
    }

    /// Checks a token name: 1 to 64 characters of `A-Z a-z 0-9 . _ -`.
    public static func validName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count)
            && name.utf8.allSatisfy { (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) || $0 == 45 || $0 == 46 || $0 == 95 }
    }
}
