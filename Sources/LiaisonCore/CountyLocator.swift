import Geodesy

/// Places points in counties by point-in-polygon over the county boundaries.
public struct CountyLocator: Sendable {
    /// Sorted by adcode.
    public let counties: [County]

    /// What is wrong with `code` when no county has it, and what is allowed: the one wording
    /// every parameter, flag and field naming a county uses.
    public func unknown(_ code: String) -> String {
        "unknown county \"\(code)\": expected the 6-digit adcode of one of Zhejiang's \(counties.count) county-level divisions (e.g. 330106)"
    }
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

    /// The county whose polygon holds `point` (lowest adcode where simplified polygons
    /// overlap), or nil: no search for the nearest one.
    public func containing(_ point: Coordinate) -> County? {
        counties.first { $0.boundary.contains(point) }
    }

    /// The county whose polygon holds `point`, or the nearest county when none does.
    ///
    /// Boundaries are generalized (off by up to about 2 km, see ``borderAccuracyMeters``), so a
    /// point that close to a border may be placed in the neighbour: ``borderCheck(_:placedIn:outsideBy:accuracy:)``
    /// says so. Where polygons overlap, the lowest adcode wins.
    public func locate(_ point: Coordinate) -> Placement? {
        if let county = containing(point) {
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

/// How sure the county of a point is, given that the county polygons are simplified.
public enum CountyConfidence: String, Sendable, Hashable, Codable {
    /// No other county's boundary is within ``CountyLocator/borderAccuracyMeters`` of the point.
    case inside
    /// Another county's boundary is that close: the point may be in it.
    case near_border
}

/// The county a point was placed in, how sure that is, and the other counties it may be in.
public struct BorderCheck: Sendable, Hashable {
    public struct Candidate: Sendable, Hashable {
        public let county: County
        /// Geodesic metres from the point to this county's boundary.
        public let distanceMeters: Double

        public init(county: County, distanceMeters: Double) {
            self.county = county
            self.distanceMeters = distanceMeters
        }
    }

    public let confidence: CountyConfidence
    /// The other counties whose boundary is within the accuracy, nearest first (ties by adcode).
    public let candidates: [Candidate]

    public init(confidence: CountyConfidence, candidates: [Candidate]) {
        self.confidence = confidence
        self.candidates = candidates
    }

    public static let inside = BorderCheck(confidence: .inside, candidates: [])
}

extension CountyLocator {
    /// How far from a county border a point's county is uncertain, in metres: the 99th
    /// percentile of the distance from the county file's internal borders to those of a denser,
    /// independent source (1,676 m), rounded up. Measured by `tools/border_accuracy.py`; see
    /// `geodata/README.md`, "Accuracy near borders".
    public static let borderAccuracyMeters = 2_000.0

    /// Whether a point placed in `county` may be in another one: every other county whose
    /// boundary is within `accuracy` of the point (for a point outside every polygon, within
    /// its distance to `county` plus `accuracy`). Coasts do not count: a point near the sea
    /// but far from other counties is `inside`.
    ///
    /// Cost: one bounding-box test per county, and for the few counties whose grown box holds
    /// the point a box test per boundary edge and the exact distance to the edges that pass it.
    public func borderCheck(_ point: Coordinate, placedIn county: County, outsideBy distance: Double = 0,
                            accuracy: Double = CountyLocator.borderAccuracyMeters) -> BorderCheck {
        let reach = distance + accuracy
        var candidates: [BorderCheck.Candidate] = []
        for other in counties where other.adcode != county.adcode && other.boundary.boundingBox(contains: point, grownBy: reach) {
            if other.boundary.contains(point) {
                candidates.append(.init(county: other, distanceMeters: 0))
            } else if let near = other.boundary.nearestBoundaryPoint(to: point, within: reach) {
                candidates.append(.init(county: other, distanceMeters: near.distanceMeters))
            }
        }
        guard !candidates.isEmpty else { return .inside }
        candidates.sort { ($0.distanceMeters, $0.county.adcode) < ($1.distanceMeters, $1.county.adcode) }
        return BorderCheck(confidence: .near_border, candidates: candidates)
    }

    /// ``locate(_:)`` and ``borderCheck(_:placedIn:outsideBy:accuracy:)`` together; nil when
    /// there are no counties.
    public func placeWithConfidence(_ point: Coordinate) -> (placement: Placement, border: BorderCheck)? {
        guard let placement = locate(point) else { return nil }
        switch placement {
        case .inside(let county):
            return (placement, borderCheck(point, placedIn: county))
        case .outside(let county, let distance):
            return (placement, borderCheck(point, placedIn: county, outsideBy: distance))
        }
    }
}

/// A border check as JSON: `county_confidence` and `border_counties`.
public struct BorderCounty: Sendable, Hashable, Codable {
    public let county_code: String
    public let county_name: String
    /// Geodesic metres from the point to the county's boundary, to 0.01 m (0: inside it too).
    public let distance_m: Double

    public init(_ candidate: BorderCheck.Candidate) {
        county_code = candidate.county.adcode
        county_name = candidate.county.name
        distance_m = rounded(candidate.distanceMeters, 2)
    }
}
