/// The coordinate systems a caller may speak.
///
/// - `wgs84`: GPS, GeoJSON, the store; WeChat's `wx.getLocation` default.
/// - `gcj02`: the Chinese "Mars" offset used by Tencent and Amap maps and by the WeChat map component.
/// - `bd09`: Baidu's second offset on top of GCJ-02.
public enum CoordinateSystem: String, Sendable, CaseIterable, Codable {
    case wgs84
    case gcj02
    case bd09

    /// Converts a coordinate given in this system to WGS-84.
    ///
    /// The GCJ-02 and BD-09 inverses are iterated until the round trip is within about
    /// 1e-9 degrees (0.1 mm), not the common one-step approximation that is off by 1-2 m.
    public func toWGS84(_ coordinate: Coordinate) -> Coordinate {
        switch self {
        case .wgs84: coordinate
        case .gcj02: ChinaOffset.gcj02ToWGS84(coordinate)
        case .bd09: ChinaOffset.gcj02ToWGS84(ChinaOffset.bd09ToGCJ02(coordinate))
        }
    }

    /// Converts a WGS-84 coordinate to this system.
    public func fromWGS84(_ coordinate: Coordinate) -> Coordinate {
        switch self {
        case .wgs84: coordinate
        case .gcj02: ChinaOffset.wgs84ToGCJ02(coordinate)
        case .bd09: ChinaOffset.gcj02ToBD09(ChinaOffset.wgs84ToGCJ02(coordinate))
        }
    }

    /// The names accepted on input, for error messages.
    public static let allowedNames = allCases.map(\.rawValue).joined(separator: ", ")
}
