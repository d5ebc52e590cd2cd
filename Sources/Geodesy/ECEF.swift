import Foundation

/// Earth-centred, Earth-fixed Cartesian coordinates in metres, on the WGS-84 ellipsoid surface.
///
/// Used for pruning, never for answers: the straight 3-D chord between two surface points
/// is never longer than the geodesic between them (a straight segment is the shortest
/// curve between two points in space, and the geodesic is one such curve), so
/// `chord ≤ geodesic` is a safe lower bound.
public struct ECEF: Sendable, Hashable {
    public var x: Double
    public var y: Double
    public var z: Double

    public init(x: Double, y: Double, z: Double) {
        self.x = x
        self.y = y
        self.z = z
    }

    static let a = 6378137.0
    static let f = 1 / 298.257223563
    static let e2 = f * (2 - f)

    /// The surface point (height 0) at a WGS-84 coordinate.
    public init(_ c: Coordinate) {
        let phi = c.latitude * .pi / 180, lambda = c.longitude * .pi / 180
        let sinPhi = sin(phi), cosPhi = cos(phi)
        let n = Self.a / (1 - Self.e2 * sinPhi * sinPhi).squareRoot()
        x = n * cosPhi * cos(lambda)
        y = n * cosPhi * sin(lambda)
        z = n * (1 - Self.e2) * sinPhi
    }

    /// The WGS-84 coordinate of the surface point nearest to this point's direction
    /// (geodetic latitude by Bowring's method; exact enough for points near the surface).
    public var coordinate: Coordinate {
        let p = (x * x + y * y).squareRoot()
        let lng = atan2(y, x) * 180 / .pi
        let b = Self.a * (1 - Self.f)
        let ep2 = (Self.a * Self.a - b * b) / (b * b)
        let theta = atan2(z * Self.a, p * b)
        let st = sin(theta), ct = cos(theta)
        let lat = atan2(z + ep2 * b * st * st * st, p - Self.e2 * Self.a * ct * ct * ct) * 180 / .pi
        return Coordinate(latitude: min(max(lat, -90), 90), longitude: min(max(lng, -180), 180))
    }

    @inlinable
    public func squaredDistance(to o: ECEF) -> Double {
        let dx = x - o.x, dy = y - o.y, dz = z - o.z
        return dx * dx + dy * dy + dz * dz
    }
}
