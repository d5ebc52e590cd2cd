import Geodesy

/// A GeoJSON FeatureCollection, the register's exchange format (RFC 7946, WGS-84, lng/lat order).
public struct FeatureCollection<Feature: Codable & Sendable>: Codable, Sendable {
    public var type = "FeatureCollection"
    public var features: [Feature]

    public init(features: [Feature]) {
        self.features = features
    }
}

/// A station as a GeoJSON Feature: the schema of `geodata/stations.geojson`.
public struct StationFeature: Codable, Sendable, Hashable {
    public struct Geometry: Codable, Sendable, Hashable {
        public var type: String
        /// `[lng, lat]`.
        public var coordinates: [Double]
    }

    public struct Properties: Codable, Sendable, Hashable {
        public var name: String
        public var county_code: String
        public var address: StationAddress
        public var phone: String
        public var hours: WeeklyHours
        public var modes: [String]
        public var capacity: Int
        public var status: String
        public var staff: [StaffMember]
    }

    public var type: String
    public var id: String
    public var geometry: Geometry
    public var properties: Properties

    init(type: String, id: String, geometry: Geometry, properties: Properties) {
        self.type = type
        self.id = id
        self.geometry = geometry
        self.properties = properties
    }

    public init(_ s: Station) {
        type = "Feature"
        id = s.id
        geometry = Geometry(type: "Point", coordinates: [s.location.longitude, s.location.latitude])
        properties = Properties(name: s.name, county_code: s.countyCode, address: s.address, phone: s.phone, hours: s.hours,
                                modes: s.modes.map(\.rawValue), capacity: s.capacity, status: s.status.rawValue, staff: s.staff)
    }
}

/// A county as a GeoJSON Feature: the schema of `geodata/zhejiang-counties.geojson`.
public struct CountyFeature: Codable, Sendable, Hashable {
    public struct Geometry: Codable, Sendable, Hashable {
        public var type: String
        /// Polygons → rings → `[lng, lat]` points (a GeoJSON `Polygon` is read as one polygon).
        public var polygons: [[[[Double]]]]

        enum CodingKeys: String, CodingKey { case type, coordinates }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            type = try c.decode(String.self, forKey: .type)
            switch type {
            case "MultiPolygon": polygons = try c.decode([[[[Double]]]].self, forKey: .coordinates)
            case "Polygon": polygons = [try c.decode([[[Double]]].self, forKey: .coordinates)]
            default:
                throw DecodingError.dataCorruptedError(forKey: .type, in: c, debugDescription: "expected Polygon or MultiPolygon, got \(type)")
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode("MultiPolygon", forKey: .type)
            try c.encode(polygons, forKey: .coordinates)
        }

        init(_ boundary: MultiPolygon) {
            type = "MultiPolygon"
            polygons = boundary.polygons.map { $0.map { $0.map { [$0.longitude, $0.latitude] } } }
        }
    }

    public struct Properties: Codable, Sendable, Hashable {
        public var adcode: String
        public var name: String
        public var city_code: String
        public var city_name: String
    }

    public var type: String
    public var id: String?
    public var geometry: Geometry
    public var properties: Properties

    public init(_ county: County) {
        type = "Feature"
        id = county.adcode
        geometry = Geometry(county.boundary)
        properties = Properties(adcode: county.adcode, name: county.name, city_code: county.cityCode, city_name: county.cityName)
    }

    /// Checks the feature and makes a ``County`` of it.
    public func validated() throws(InvalidInput) -> County {
        var problems: [InvalidParameter] = []
        let p = properties
        if !Adcode.isCounty(p.adcode) {
            problems.append(InvalidParameter(name: "properties.adcode", reason: "\"\(p.adcode)\" is not a Zhejiang county adcode: expected 6 digits starting with 33 and not ending in 00"))
        }
        if let id, id != p.adcode {
            problems.append(InvalidParameter(name: "id", reason: "\"\(id)\" differs from properties.adcode \"\(p.adcode)\": expected them equal"))
        }
        if p.name.isEmpty { problems.append(InvalidParameter(name: "properties.name", reason: "must not be empty")) }
        if p.city_name.isEmpty { problems.append(InvalidParameter(name: "properties.city_name", reason: "must not be empty")) }
        if p.city_code != String(p.adcode.prefix(4)) + "00" {
            problems.append(InvalidParameter(name: "properties.city_code", reason: "\"\(p.city_code)\" is not the city of \(p.adcode): expected \(p.adcode.prefix(4))00"))
        }
        var polygons: [[[Coordinate]]] = []
        ringCheck: for (pi, polygon) in geometry.polygons.enumerated() {
            var rings: [[Coordinate]] = []
            for (ri, ring) in polygon.enumerated() {
                guard ring.count >= 4, ring.first == ring.last else {
                    problems.append(InvalidParameter(name: "geometry.coordinates[\(pi)][\(ri)]", reason: "a ring needs at least 4 positions and must be closed (first equals last)"))
                    break ringCheck
                }
                var points: [Coordinate] = []
                for position in ring {
                    guard position.count >= 2, let c = try? Coordinate.validated(latitude: position[1], longitude: position[0]) else {
                        problems.append(InvalidParameter(name: "geometry.coordinates[\(pi)][\(ri)]", reason: "positions must be [lng, lat] with lng in -180...180 and lat in -90...90"))
                        break ringCheck
                    }
                    points.append(c)
                }
                rings.append(points)
            }
            polygons.append(rings)
        }
        if polygons.isEmpty && problems.isEmpty {
            problems.append(InvalidParameter(name: "geometry.coordinates", reason: "must hold at least one polygon"))
        }
        guard problems.isEmpty else { throw InvalidInput(problems) }
        return County(adcode: p.adcode, name: p.name, cityCode: p.city_code, cityName: p.city_name, boundary: MultiPolygon(polygons: polygons))
    }
}

/// Administrative division codes (6-digit adcodes).
public enum Adcode {
    /// Whether `code` looks like a Zhejiang county-level adcode (`33xxxx`, not a city's `33xx00`).
    public static func isCounty(_ code: String) -> Bool {
        code.utf8.count == 6 && code.utf8.allSatisfy { (48...57).contains($0) } && code.hasPrefix("33") && !code.hasSuffix("00")
    }
}
