import Geodesy

/// A station as a map marker: enough to draw it and show its card.
public struct StationSummary: Sendable, Hashable, Codable {
    public let id: String
    public let name: String
    public let county_code: String
    public let county_name: String
    public let city_code: String
    public let city_name: String
    public let address: String
    public let modes: [MediationMode]
    public let phone: String
    public let location: NearestResponse.Point

    public init(_ s: Station, counties: CountyLocator, coordinateSystem: CoordinateSystem) {
        let place = counties.place(of: s)
        id = s.id
        name = s.name
        county_code = s.countyCode
        county_name = place.countyName
        city_code = place.cityCode
        city_name = place.cityName
        address = s.address.line
        modes = s.modes
        phone = s.phone
        location = .shown(s.location, in: coordinateSystem)
    }
}
