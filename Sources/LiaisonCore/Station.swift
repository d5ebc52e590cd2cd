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
    /// At least one.
    public var staff: [StaffMember]
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
        self.staff = staff
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
    public var name: String
    /// For example 站长 (head), 调解员 (mediator), 联络员 (liaison).
    public var role: String
    /// 11 digits, normalised (no +86).
    public var mobile: String

    public init(name: String, role: String, mobile: String) {
        self.name = name
        self.role = role
        self.mobile = mobile
    }
}
