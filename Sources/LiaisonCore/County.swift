import Geodesy

/// A county-level division of Zhejiang (区, 县, 县级市) and its boundary.
public struct County: Sendable, Hashable {
    /// 6-digit adcode, e.g. `330106`.
    public let adcode: String
    public let name: String
    /// The prefecture city's 6-digit adcode, e.g. `330100`.
    public let cityCode: String
    public let cityName: String
    /// WGS-84.
    public let boundary: MultiPolygon

    public init(adcode: String, name: String, cityCode: String, cityName: String, boundary: MultiPolygon) {
        self.adcode = adcode
        self.name = name
        self.cityCode = cityCode
        self.cityName = cityName
        self.boundary = boundary
    }
}
