import Foundation

/// The public GCJ-02 and BD-09 offset algorithms and their exact (iterated) inverses.
///
/// GCJ-02 is the widely published reconstruction of the Chinese "Mars" offset on the
/// Krasovsky ellipsoid (a = 6378245.0, e² = 0.00669342162296594323). It is applied only
/// inside the customary mainland-China box (longitude 72.004...137.8347, latitude
/// 0.8293...55.8271); outside it, GCJ-02 equals WGS-84. BD-09 adds Baidu's rotation
/// and shift on top of GCJ-02, inside the same box only (outside it Baidu's maps are
/// WGS-84, and the formula would push points near the poles past 90°).
public enum ChinaOffset {
    static let krasovskyA = 6378245.0
    static let krasovskyEE = 0.00669342162296594323
    static let bdXPi = Double.pi * 3000.0 / 180.0

    /// Whether the GCJ-02 offset applies at this point (the customary mainland-China box).
    public static func isInsideChina(_ c: Coordinate) -> Bool {
        (72.004...137.8347).contains(c.longitude) && (0.8293...55.8271).contains(c.latitude)
    }

    /// WGS-84 to GCJ-02 (the forward offset).
    public static func wgs84ToGCJ02(_ c: Coordinate) -> Coordinate {
        guard isInsideChina(c) else { return c }
        let (dLat, dLng) = gcjDelta(latitude: c.latitude, longitude: c.longitude)
        return Coordinate(latitude: c.latitude + dLat, longitude: c.longitude + dLng)
    }

    /// GCJ-02 to WGS-84, iterated to an exact inverse.
    ///
    /// Fixed-point iteration `w ← w − (gcj(w) − target)`: the offset varies by far less than
    /// a metre per metre, so each step shrinks the error by orders of magnitude; three or four
    /// steps reach 1e-12 degrees.
    public static func gcj02ToWGS84(_ c: Coordinate) -> Coordinate {
        guard isInsideChina(c) else { return c }
        return invert(c, forward: wgs84ToGCJ02)
    }

    /// GCJ-02 to BD-09.
    public static func gcj02ToBD09(_ c: Coordinate) -> Coordinate {
        guard isInsideChina(c) else { return c }
        let x = c.longitude, y = c.latitude
        let z = (x * x + y * y).squareRoot() + 0.00002 * sin(y * bdXPi)
        let theta = atan2(y, x) + 0.000003 * cos(x * bdXPi)
        return clamped(latitude: z * sin(theta) + 0.006, longitude: z * cos(theta) + 0.0065)
    }

    /// BD-09 to GCJ-02, iterated to an exact inverse of ``gcj02ToBD09(_:)``.
    public static func bd09ToGCJ02(_ c: Coordinate) -> Coordinate {
        guard isInsideChina(c) else { return c }
        return invert(c, forward: gcj02ToBD09)
    }

    /// Solves `forward(w) == target` by fixed-point iteration from `w = target`.
    ///
    /// Stops when the step is below 1e-12 degrees (0.1 µm) or after 30 steps; the offsets
    /// here are smooth and small, so it converges in a handful.
    static func invert(_ target: Coordinate, forward: (Coordinate) -> Coordinate) -> Coordinate {
        var lat = target.latitude, lng = target.longitude
        for _ in 0..<30 {
            let f = forward(clamped(latitude: lat, longitude: lng))
            let dLat = f.latitude - target.latitude, dLng = f.longitude - target.longitude
            lat -= dLat
            lng -= dLng
            if abs(dLat) < 1e-12 && abs(dLng) < 1e-12 { break }
        }
        return clamped(latitude: lat, longitude: lng)
    }

    private static func clamped(latitude: Double, longitude: Double) -> Coordinate {
        Coordinate(latitude: min(max(latitude, -90), 90), longitude: min(max(longitude, -180), 180))
    }

    private static func gcjDelta(latitude: Double, longitude: Double) -> (dLat: Double, dLng: Double) {
        let x = longitude - 105.0, y = latitude - 35.0
        var dLat = transformLatitude(x, y)
        var dLng = transformLongitude(x, y)
        let radLat = latitude / 180.0 * .pi
        var magic = sin(radLat)
        magic = 1 - krasovskyEE * magic * magic
        let sqrtMagic = magic.squareRoot()
        dLat = (dLat * 180.0) / ((krasovskyA * (1 - krasovskyEE)) / (magic * sqrtMagic) * .pi)
        dLng = (dLng * 180.0) / (krasovskyA / sqrtMagic * cos(radLat) * .pi)
        return (dLat, dLng)
    }

    private static func transformLatitude(_ x: Double, _ y: Double) -> Double {
        var ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * abs(x).squareRoot()
        ret += (20.0 * sin(6.0 * x * .pi) + 20.0 * sin(2.0 * x * .pi)) * 2.0 / 3.0
        ret += (20.0 * sin(y * .pi) + 40.0 * sin(y / 3.0 * .pi)) * 2.0 / 3.0
        ret += (160.0 * sin(y / 12.0 * .pi) + 320 * sin(y * .pi / 30.0)) * 2.0 / 3.0
        return ret
    }

    private static func transformLongitude(_ x: Double, _ y: Double) -> Double {
        var ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * abs(x).squareRoot()
        ret += (20.0 * sin(6.0 * x * .pi) + 20.0 * sin(2.0 * x * .pi)) * 2.0 / 3.0
        ret += (20.0 * sin(x * .pi) + 40.0 * sin(x / 3.0 * .pi)) * 2.0 / 3.0
        ret += (150.0 * sin(x / 12.0 * .pi) + 300.0 * sin(x / 30.0 * .pi)) * 2.0 / 3.0
        return ret
    }
}
