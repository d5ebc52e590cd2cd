/// A point on the Earth as latitude and longitude in degrees.
///
/// A `Coordinate` carries no coordinate system of its own: the type that holds it says
/// which one (see ``CoordinateSystem``). Inside the service every stored and indexed
/// coordinate is WGS-84; GCJ-02 and BD-09 exist only at the edges.
public struct Coordinate: Sendable, Hashable {
    /// Degrees north, -90...90.
    public let latitude: Double
    /// Degrees east, -180...180.
    public let longitude: Double

    /// Makes a coordinate from values already known to be in range.
    ///
    /// Use ``validated(latitude:longitude:)`` for input from users.
    public init(latitude: Double, longitude: Double) {
        precondition(latitude.isFinite && abs(latitude) <= 90, "latitude out of range: \(latitude)")
        precondition(longitude.isFinite && abs(longitude) <= 180, "longitude out of range: \(longitude)")
        self.latitude = latitude
        self.longitude = longitude
    }

    /// Checks user input and makes a coordinate of it.
    ///
    /// ```swift
    /// let westLake = try Coordinate.validated(latitude: 30.259, longitude: 120.13)
    /// ```
    /// - Throws: ``CoordinateError`` naming the field (`lat` or `lng`) and the allowed range.
    public static func validated(latitude: Double, longitude: Double) throws(CoordinateError) -> Coordinate {
        if let problem = problem(latitude: latitude) ?? problem(longitude: longitude) { throw problem }
        return Coordinate(latitude: latitude, longitude: longitude)
    }

    /// What is wrong with a latitude, or nil when it is a finite number in -90...90.
    public static func problem(latitude: Double) -> CoordinateError? {
        latitude.isFinite && abs(latitude) <= 90 ? nil
            : CoordinateError(field: "lat", value: latitude, allowed: "a finite number of degrees from -90 to 90")
    }

    /// What is wrong with a longitude, or nil when it is a finite number in -180...180.
    public static func problem(longitude: Double) -> CoordinateError? {
        longitude.isFinite && abs(longitude) <= 180 ? nil
            : CoordinateError(field: "lng", value: longitude, allowed: "a finite number of degrees from -180 to 180")
    }
}

/// A latitude or longitude that is not a finite number in its range.
public struct CoordinateError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The input field, `lat` or `lng`.
    public let field: String
    public let value: Double
    /// What the field accepts, in words.
    public let allowed: String

    public var description: String { "\(field) \(value) is out of range: expected \(allowed)" }
}
