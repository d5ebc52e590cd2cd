import Geodesy

/// Places points in counties by point-in-polygon over the county boundaries.
public struct CountyLocator: Sendable {
    /// Sorted by adcode.
    public let counties: [County]
    private let byCode: [String: Int]

    public init(_ counties: [County]) {
        self.counties = counties.sorted { $0.adcode < $1.adcode }
        byCode = Dictionary(uniqueKeysWithValues: self.counties.enumerated().map { ($1.adcode, $0) })
    }

    public func county(code: String) -> County? { byCode[code].map { counties[$0] } }

    /// The county and city names a station is shown with: from the county table, or from
    /// the station's own address if its county is unknown here.
    public func place(of station: Station) -> (countyName: String, cityCode: String, cityName: String) {
        guard let county = county(code: station.countyCode) else { return (station.address.county, "", station.address.city) }
        return (county.name, county.cityCode, county.cityName)
    }

    /// Where a WGS-84 point falls.
    public enum Placement: Sendable, Hashable {
        case inside(County)
        /// In no county: the nearest one and the geodesic distance to its boundary, metres.
        case outside(nearest: County, distanceMeters: Double)
    }

    /// The county whose polygon holds `point`, or the nearest county when none does.
    ///
    /// Boundaries are simplified to about 100 m, so a point that close to a border may be
    /// placed in the neighbour. Where simplified polygons overlap, the lowest adcode wins.
    public func locate(_ point: Coordinate) -> Placement? {
        if let county = counties.first(where: { $0.boundary.contains(point) }) {
            return .inside(county)
        }
        var nearest: (County, Double)?
        for county in counties {
            let d = county.boundary.nearestBoundaryPoint(to: point).distanceMeters
            if nearest == nil || d < nearest!.1 { nearest = (county, d) }
        }
        return nearest.map { .outside(nearest: $0.0, distanceMeters: $0.1) }
    }
}
