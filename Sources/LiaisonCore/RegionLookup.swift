import Geodesy

/// Which county and city a point is in, or the nearest county when it is outside Zhejiang.
public struct RegionLookup: Sendable, Hashable, Codable {
    public struct Region: Sendable, Hashable, Codable {
        public let county_code: String
        public let county_name: String
        public let city_code: String
        public let city_name: String
        /// Geodesic metres to the county's boundary; present only for a point outside Zhejiang.
        public let distance_m: Double?

        init(_ c: County, distanceMeters: Double? = nil) {
            county_code = c.adcode
            county_name = c.name
            city_code = c.cityCode
            city_name = c.cityName
            distance_m = distanceMeters.map { rounded($0, 2) }
        }
    }

    public let query: NearestResponse.Point
    public let wgs84: NearestResponse.Point
    /// True when the point lies in one of Zhejiang's county polygons.
    public let inside_zhejiang: Bool
    /// The county holding the point, when inside.
    public let region: Region?
    /// The nearest county, when outside.
    public let nearest: Region?
    /// `inside`, or `near_border` when another county's boundary is within the polygons'
    /// accuracy of the point (for a point outside, within its distance to `nearest` plus that).
    public let county_confidence: CountyConfidence?
    /// The other counties the point may be in, nearest first; empty when `inside`.
    public let border_counties: [BorderCounty]?

    public init(point: Coordinate, coordinateSystem: CoordinateSystem, counties: CountyLocator) {
        let wgs = coordinateSystem.toWGS84(point)
        query = NearestResponse.Point(lat: point.latitude, lng: point.longitude, coordsys: coordinateSystem)
        wgs84 = NearestResponse.Point(lat: rounded(wgs.latitude, 9), lng: rounded(wgs.longitude, 9), coordsys: nil)
        let placed = counties.placeWithConfidence(wgs)
        county_confidence = placed?.border.confidence
        border_counties = placed?.border.candidates.map(BorderCounty.init)
        switch placed?.placement {
        case .inside(let county):
            inside_zhejiang = true
            region = Region(county)
            nearest = nil
        case .outside(let county, let distance):
            inside_zhejiang = false
            region = nil
            nearest = Region(county, distanceMeters: distance)
        case nil:
            inside_zhejiang = false
            region = nil
            nearest = nil
        }
    }
}
