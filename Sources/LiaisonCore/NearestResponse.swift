import Foundation
import Geodesy

/// The JSON of a nearest-stations answer: what `liaison nearest --format json` prints
/// and what the HTTP API returns. Keys are snake_case and sorted (see ``JSONOutput``).
public struct NearestResponse: Sendable, Hashable, Codable {
    public struct Point: Sendable, Hashable, Codable {
        public let lat: Double
        public let lng: Double
        public let coordsys: CoordinateSystem?

        public init(lat: Double, lng: Double, coordsys: CoordinateSystem?) {
            self.lat = lat
            self.lng = lng
            self.coordsys = coordsys
        }

        /// A WGS-84 location as shown to a caller in `system`, to 1e-7 degrees (about 1 cm).
        public static func shown(_ wgs84: Coordinate, in system: CoordinateSystem) -> Point {
            let c = system.fromWGS84(wgs84)
            return Point(lat: rounded(c.latitude, 7), lng: rounded(c.longitude, 7), coordsys: system)
        }
    }

    public struct Query: Sendable, Hashable, Codable {
        /// The point as given.
        public let input: Point
        /// The point converted to WGS-84.
        public let wgs84: Point
        public let limit: Int
        public let mode: MediationMode?
        public let county: String?
        public let radius_km: Double?
        /// The county whose polygon holds the point; absent outside Zhejiang.
        public let point_county_code: String?
        /// `inside`, or `near_border` when another county's boundary is within the polygons'
        /// accuracy; absent outside Zhejiang.
        public let county_confidence: CountyConfidence?
        /// The other counties the point may be in, nearest first; empty when `inside`.
        public let border_counties: [BorderCounty]?
        /// Whether a county polygon of Zhejiang holds the point. Outside, the stations are
        /// still the nearest ones, but no station serves the point and intake refuses it
        /// (beyond the polygons' 500 m accuracy).
        public let inside_zhejiang: Bool
        /// Outside: geodesic metres from the point to the nearest county's boundary, to 0.01 m.
        public let distance_to_zhejiang_m: Double?
    }

    public struct Item: Sendable, Hashable, Codable {
        public let rank: Int
        public let id: String
        public let name: String
        public let county_code: String
        public let county_name: String
        public let city_code: String
        public let city_name: String
        public let address: String
        public let modes: [MediationMode]
        public let phone: String
        /// Geodesic metres, rounded to 0.01 m.
        public let distance_m: Double
        /// Degrees clockwise from north, rounded to 0.01.
        public let bearing_deg: Double
        /// The station in the caller's coordinate system.
        public let location: Point
        /// The station's star rating, with `include=rating` (absent otherwise, and for a station never rated).
        public let rating: StationRating?
        /// With `include=hours`: the weekly hours, whether the station is open now and when it
        /// next opens (see ``OpeningStatus``; `next_open` absent when it opens on none of the next 31 days).
        public var hours: WeeklyHours? = nil
        public var open_now: Bool? = nil
        public var next_open: String? = nil
        /// With `include=assignment`: whether this is the station a complaint filed at the point
        /// now would go to (``NearestResponse/assignment``).
        public var intake_choice: Bool? = nil

        /// Adds what `include=hours` asks for, as of `instant`.
        public mutating func addHours(of station: Station, at instant: Date, calendar: WorkingCalendar) {
            let status = station.hours.opening(at: instant, calendar: calendar)
            hours = station.hours
            open_now = status.openNow
            next_open = status.nextOpen.map(Timestamp.shanghai)
        }
    }

    /// Where intake would send a complaint filed at the point now (`include=assignment`).
    public struct IntakeChoice: Sendable, Hashable, Codable {
        /// Absent when no station would take it now (or the point is outside the service area).
        public let station_id: String?
        public let distance_m: Double?
        public let mode: MediationMode?
        /// Why, in the words the complaint's assignment reason would use.
        public let reason: String

        public init(station_id: String?, distance_m: Double?, mode: MediationMode?, reason: String) {
            self.station_id = station_id
            self.distance_m = distance_m
            self.mode = mode
            self.reason = reason
        }
    }

    public let query: Query
    public var stations: [Item]
    /// With `include=assignment` only.
    public var assignment: IntakeChoice? = nil

    /// Whether the answer holds anything an `include` added (the fast writer does not write those).
    var hasInclusions: Bool {
        assignment != nil || stations.contains { $0.rating != nil || $0.open_now != nil || $0.intake_choice != nil }
    }

    /// - Parameter ratings: the stations' ratings, to include them (`include=rating`); nil leaves them out.
    public init(query q: NearestQuery, results: [NearestStation], counties: CountyLocator, ratings: [String: StationRating]? = nil) {
        let home = counties.containing(q.wgs84)
        let check = home.map { counties.borderCheck(q.wgs84, placedIn: $0) }
        // Only a point outside pays for the distance to every county's boundary.
        var outsideBy: Double?
        if home == nil, case .outside(_, let distance)? = counties.locate(q.wgs84) { outsideBy = rounded(distance, 2) }
        query = Query(
            input: Point(lat: q.point.latitude, lng: q.point.longitude, coordsys: q.coordinateSystem),
            wgs84: Point(lat: rounded(q.wgs84.latitude, 9), lng: rounded(q.wgs84.longitude, 9), coordsys: nil),
            limit: q.limit, mode: q.mode, county: q.countyCode, radius_km: q.radiusKilometers,
            point_county_code: home?.adcode, county_confidence: check?.confidence, border_counties: check?.candidates.map(BorderCounty.init),
            inside_zhejiang: home != nil, distance_to_zhejiang_m: outsideBy)
        stations = Self.items(results, in: q.coordinateSystem, counties: counties, ratings: ratings)
    }

    /// The answer's station list alone: what a batch lookup writes for each of its points.
    public static func items(_ results: [NearestStation], in system: CoordinateSystem, counties: CountyLocator,
                             ratings: [String: StationRating]? = nil) -> [Item] {
        results.enumerated().map { rank, result in
            let s = result.station
            let place = counties.place(of: s)
            return Item(
                rank: rank + 1, id: s.id, name: s.name, county_code: s.countyCode,
                county_name: place.countyName, city_code: place.cityCode, city_name: place.cityName,
                address: s.address.line, modes: s.modes, phone: s.phone,
                distance_m: rounded(result.distanceMeters, 2), bearing_deg: roundedBearing(result.bearingDegrees),
                location: .shown(s.location, in: system), rating: ratings?[s.id])
        }
    }
}

/// A bearing rounded to 0.01°, kept in [0, 360): 359.996 becomes 0, not 360.
public func roundedBearing(_ degrees: Double) -> Double {
    let r = rounded(degrees, 2)
    return r >= 360 ? r - 360 : r
}

/// Rounds to `digits` decimals (half away from zero).
public func rounded(_ value: Double, _ digits: Int) -> Double {
    let scale = pow(10, Double(digits))
    return (value * scale).rounded() / scale
}

/// The one JSON encoder for everything the service prints: sorted keys, so output is
/// byte-stable; slashes unescaped.
public enum JSONOutput {
    public static func encode<T: Encodable>(_ value: T, pretty: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    /// The same bytes as text: what the stores keep in their JSON columns.
    public static func string<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }
}
