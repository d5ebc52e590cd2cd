import Geodesy

/// A validated nearest-stations query.
public struct NearestQuery: Sendable, Hashable {
    /// The point as the caller gave it, in ``coordinateSystem``.
    public let point: Coordinate
    public let coordinateSystem: CoordinateSystem
    /// The point in WGS-84.
    public let wgs84: Coordinate
    /// 1...``maxLimit``.
    public let limit: Int
    public let mode: MediationMode?
    /// A county adcode known to the register.
    public let countyCode: String?
    /// 0 < r ≤ ``maxRadiusKilometers``.
    public let radiusKilometers: Double?

    public static let defaultLimit = 5
    public static let maxLimit = 50
    public static let maxRadiusKilometers = 1000.0

    /// Validates raw input; every problem is reported, each naming its field.
    ///
    /// ```swift
    /// let q = try NearestQuery.validated(latitude: 30.259, longitude: 120.13, coordsys: "gcj02",
    ///                                    counties: snapshot.counties)
    /// ```
    /// - Parameters:
    ///   - coordsys, mode: names as typed by the caller (`nil` for the default).
    ///   - counties: the known counties, to check `county`.
    /// - Throws: ``InvalidInput`` listing every bad field.
    public static func validated(
        latitude: Double, longitude: Double, coordsys: String? = nil, limit: Int? = nil,
        mode: String? = nil, county: String? = nil, radiusKilometers: Double? = nil,
        counties: CountyLocator
    ) throws(InvalidInput) -> NearestQuery {
        var problems: [InvalidParameter] = []
        // Latitude and longitude are checked one at a time so that both are reported.
        for problem in [Coordinate.problem(latitude: latitude), Coordinate.problem(longitude: longitude)].compactMap({ $0 }) {
            problems.append(InvalidParameter(name: problem.field, reason: "\(problem.value) is not allowed: expected \(problem.allowed)"))
        }
        let point = problems.isEmpty ? Coordinate(latitude: latitude, longitude: longitude) : nil
        let system = CoordinateSystem(rawValue: coordsys ?? CoordinateSystem.wgs84.rawValue)
        if system == nil {
            problems.append(InvalidParameter(name: "coordsys", reason: "unknown coordinate system \"\(coordsys ?? "")\": expected one of \(CoordinateSystem.allowedNames)"))
        }
        let limit = limit ?? defaultLimit
        if !(1...maxLimit).contains(limit) {
            problems.append(InvalidParameter(name: "limit", reason: "\(limit) is out of range: expected an integer from 1 to \(maxLimit)"))
        }
        let parsedMode = mode.map { MediationMode(rawValue: $0) }
        if case .some(.none) = parsedMode {
            problems.append(InvalidParameter(name: "mode", reason: "unknown mode \"\(mode ?? "")\": expected one of \(MediationMode.allowedNames)"))
        }
        if let county, counties.county(code: county) == nil {
            problems.append(InvalidParameter(name: "county", reason: counties.unknown(county)))
        }
        if let r = radiusKilometers, !(r.isFinite && r > 0 && r <= maxRadiusKilometers) {
            problems.append(InvalidParameter(name: "radius_km", reason: "\(r) is out of range: expected a number of kilometres greater than 0 and at most \(Int(maxRadiusKilometers))"))
        }
        guard problems.isEmpty, let point, let system else { throw InvalidInput(problems) }
        return NearestQuery(point: point, coordinateSystem: system, wgs84: system.toWGS84(point), limit: limit,
                            mode: parsedMode ?? nil, countyCode: county, radiusKilometers: radiusKilometers)
    }

    /// The same query at another point, in the same coordinate system: what a batch of points
    /// asks with one set of options (checked once, by ``validated(latitude:longitude:coordsys:limit:mode:county:radiusKilometers:counties:)``).
    /// - Throws: the coordinate's problem, naming `lat` or `lng`.
    public func at(latitude: Double, longitude: Double) throws(CoordinateError) -> NearestQuery {
        let point = try Coordinate.validated(latitude: latitude, longitude: longitude)
        return NearestQuery(point: point, coordinateSystem: coordinateSystem, wgs84: coordinateSystem.toWGS84(point),
                            limit: limit, mode: mode, countyCode: countyCode, radiusKilometers: radiusKilometers)
    }
}
