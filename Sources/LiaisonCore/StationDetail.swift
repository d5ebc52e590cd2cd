import Geodesy

/// A station's full public record, as shown to consumers and printed by `liaison stations show`.
///
/// Staff mobile numbers are masked (`199****0012`); the station's own phone is public.
public struct StationDetail: Sendable, Hashable, Codable {
    public struct Staff: Sendable, Hashable, Codable {
        /// The member's id within the station (`s1`), for editing or removing that member alone.
        public let id: String
        public let name: String
        public let role: String
        public let mobile_masked: String
    }

    public let id: String
    public let name: String
    public let status: StationStatus
    public let county_code: String
    public let county_name: String
    public let city_code: String
    public let city_name: String
    public let address: StationAddress
    public let address_line: String
    public let phone: String
    public let hours: WeeklyHours
    public let modes: [MediationMode]
    public let capacity: Int
    public let staff: [Staff]
    public let location: NearestResponse.Point
    /// The station's current star rating; absent when it was never computed.
    public let rating: StationRating?

    public init(_ s: Station, counties: CountyLocator, coordinateSystem: CoordinateSystem = .wgs84, rating: StationRating? = nil) {
        self.rating = rating
        let place = counties.place(of: s)
        id = s.id
        name = s.name
        status = s.status
        county_code = s.countyCode
        county_name = place.countyName
        city_code = place.cityCode
        city_name = place.cityName
        address = s.address
        address_line = s.address.line
        phone = s.phone
        hours = s.hours
        modes = s.modes
        capacity = s.capacity
        staff = s.staff.map { Staff(id: $0.id, name: $0.name, role: $0.role, mobile_masked: MobileNumber.masked($0.mobile)) }
        location = .shown(s.location, in: coordinateSystem)
    }
}
