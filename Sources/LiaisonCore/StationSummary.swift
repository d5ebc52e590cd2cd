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
        let county = counties.county(code: s.countyCode)
        let shown = coordinateSystem.fromWGS84(s.location)
        id = s.id
        name = s.name
        county_code = s.countyCode
        county_name = county?.name ?? s.address.county
        city_code = county?.cityCode ?? ""
        city_name = county?.cityName ?? s.address.city
        address = s.address.line
        modes = s.modes
        phone = s.phone
        location = NearestResponse.Point(lat: rounded(shown.latitude, 7), lng: rounded(shown.longitude, 7), coordsys: coordinateSystem)
    }
}
