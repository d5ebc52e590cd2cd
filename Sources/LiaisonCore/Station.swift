import Geodesy

/// A village consumer-rights liaison station (村消费维权联络站), as the register holds it.
public struct Station: Sendable, Hashable {
    /// `ADCODE-NNNN`: the county adcode and a sequence number, e.g. `330127-0012`.
    public var id: String
    public var name: String
    /// The county's 6-digit adcode; always the county whose polygon holds ``location``
    /// (up to the polygons' ~100 m simplification).
    public var countyCode: String
    public var address: StationAddress
    /// The station's public phone (landline or mobile), shown unmasked.
    public var phone: String
    public var hours: WeeklyHours
    /// Non-empty, sorted, no duplicates.
    public var modes: [MediationMode]
    /// How many open complaints the station can carry at once, 1...1000.
    public var capacity: Int
    public var status: StationStatus
    /// At least one; each with an id unique in the station: members set without one are
    /// numbered after the others (here, so no station value lacks an id).
    public var staff: [StaffMember] {
        // Assigning inside didSet does not call it again.
        didSet { if staff.contains(where: { $0.id.isEmpty }) { staff = StaffMember.numbered(staff) } }
    }
    /// WGS-84.
    public var location: Coordinate

    public init(id: String, name: String, countyCode: String, address: StationAddress, phone: String, hours: WeeklyHours,
                modes: [MediationMode], capacity: Int, status: StationStatus, staff: [StaffMember], location: Coordinate) {
        self.id = id
        self.name = name
        self.countyCode = countyCode
        self.address = address
        self.phone = phone
        self.hours = hours
        self.modes = modes
        self.capacity = capacity
        self.status = status
        self.staff = StaffMember.numbered(staff)
        self.location = location
    }
}

public enum StationStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case active
    case retired
}

/// The postal address, from city down to village.
public struct StationAddress: Sendable, Hashable, Codable {
    public var city: String
    public var county: String
    public var town: String
    public var village: String

    public init(city: String, county: String, town: String, village: String) {
        self.city = city
        self.county = county
        self.town = town
        self.village = village
    }

    /// The address as one line, the way it is written in Chinese (largest unit first).
    public var line: String { city + county + town + village }
}

/// A person who staffs a station.
public struct StaffMember: Sendable, Hashable, Codable {
    /// `s1`, `s2`…: unique within the station and never reused there (see ``StaffMember/numbered(_:above:)``),
    /// so one member can be edited or removed by id. Empty only before the station numbers it.
    public var id: String
    public var name: String
    /// For example 站长 (head), 调解员 (mediator), 联络员 (liaison).
    public var role: String
    /// 11 digits, normalised (no +86).
    public var mobile: String

    public init(id: String = "", name: String, role: String, mobile: String) {
        self.id = id
        self.name = name
        self.role = role
        self.mobile = mobile
    }

    enum CodingKeys: String, CodingKey { case id, name, role, mobile }

    /// Registers and stored rows written before staff had ids have none: `id` is then empty
    /// until ``numbered(_:above:)`` gives one.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        id = try c.decodeIfPresent(String.self, forKey: .id) ?? ""
        name = try c.decode(String.self, forKey: .name)
        role = try c.decode(String.self, forKey: .role)
        mobile = try c.decode(String.self, forKey: .mobile)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        if !id.isEmpty { try c.encode(id, forKey: .id) }
        try c.encode(name, forKey: .name)
        try c.encode(role, forKey: .role)
        try c.encode(mobile, forKey: .mobile)
    }

    /// The number in a well-formed id (`s12` → 12), nil for anything else.
    public static func number(of id: String) -> Int? {
        let digits = id.utf8.dropFirst()
        guard id.utf8.first == UInt8(ascii: "s"), (1...6).contains(digits.count), digits.first != UInt8(ascii: "0"),
              digits.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return Int(String(decoding: digits, as: UTF8.self))
    }

    public static let idAllowed = "s followed by a number from 1 to 999999 without leading zeros, e.g. s1"

    /// The members with every missing id given, in order, the numbers above the highest in
    /// use (and above `issued`, the highest ever given in the station): a list without ids
    /// (a register written before ids) becomes `s1`, `s2`… by position, the same on every
    /// read, and a removed member's id is not given again.
    public static func numbered(_ staff: [StaffMember], above issued: Int = 0) -> [StaffMember] {
        var next = max(issued, staff.compactMap { number(of: $0.id) }.max() ?? 0)
        return staff.map { member in
            guard member.id.isEmpty else { return member }
            next += 1
            var numbered = member
            numbered.id = "s\(next)"
            return numbered
        }
    }
}
