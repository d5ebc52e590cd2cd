import CGeodesic

/// Distances and bearings on the WGS-84 ellipsoid (Karney's algorithm, GeographicLib's `Geodesic`).
///
/// Accurate to about 15 nanometres for any pair of points, antipodes included.
public struct Geodesic: @unchecked Sendable {
    /// The result of an inverse problem: how far, and in which direction to set out.
    public struct Inverse: Sendable, Hashable {
        /// Length of the shortest geodesic, in metres.
        public let distanceMeters: Double
        /// Initial bearing from the first point, degrees clockwise from north in [0, 360).
        public let initialBearingDegrees: Double

        @inlinable
        public init(distanceMeters: Double, initialBearingDegrees: Double) {
            self.distanceMeters = distanceMeters
            self.initialBearingDegrees = initialBearingDegrees
        }
    }

    /// GeographicLib's constants for the ellipsoid: made once, never changed or freed (hence
    /// `@unchecked Sendable`), only read by the solvers.
    @usableFromInline let ellipsoid: OpaquePointer

    /// The WGS-84 ellipsoid: a = 6378137 m, f = 1/298.257223563.
    public static let wgs84 = Geodesic(equatorialRadiusMeters: 6378137, flattening: 1 / 298.257223563)

    /// Make one per ellipsoid and keep it: its constants are never freed.
    /// - Precondition: `equatorialRadiusMeters` > 0 and `flattening` < 1.
    public init(equatorialRadiusMeters: Double, flattening: Double) {
        guard let made = liaison_geodesic_make(equatorialRadiusMeters, flattening) else {
            preconditionFailure("no ellipsoid with a = \(equatorialRadiusMeters) m, f = \(flattening)")
        }
        ellipsoid = made
    }

    /// Solves the inverse geodesic problem from `a` to `b`.
    ///
    /// ```swift
    /// let leg = Geodesic.wgs84.inverse(from: hangzhou, to: ningbo)
    /// print(leg.distanceMeters, leg.initialBearingDegrees)
    /// ```
    @inlinable
    public func inverse(from a: Coordinate, to b: Coordinate) -> Inverse {
        var s12 = 0.0, azi1 = 0.0
        liaison_geodesic_inverse(ellipsoid, a.latitude, a.longitude, b.latitude, b.longitude, &s12, &azi1)
        var bearing = azi1 < 0 ? azi1 + 360 : azi1
        if bearing >= 360 { bearing -= 360 }
        return Inverse(distanceMeters: s12, initialBearingDegrees: bearing)
    }

    /// The geodesic distance from `a` to `b` in metres.
    @inlinable
    public func distanceMeters(from a: Coordinate, to b: Coordinate) -> Double {
        inverse(from: a, to: b).distanceMeters
    }

    /// Solves the direct geodesic problem: where one arrives setting out from `a` on
    /// `bearingDegrees` (clockwise from north) for `distanceMeters`.
    public func direct(from a: Coordinate, bearingDegrees: Double, distanceMeters: Double) -> Coordinate {
        var lat2 = 0.0, lng2 = 0.0
        liaison_geodesic_direct(ellipsoid, a.latitude, a.longitude, bearingDegrees, distanceMeters, &lat2, &lng2)
        return Coordinate(latitude: lat2, longitude: lng2)
    }
}
