import Foundation
import Geodesy
import Testing
import LiaisonTestSupport

/// The reference vectors in `Fixtures/`, written by `tools/make_reference_vectors.py` from
/// independent implementations (PyPI `coordtransform` 0.2.1 and `geographiclib` 2.1).
enum Fixtures {
    struct LatLng: Decodable, Sendable {
        let lat: Double
        let lng: Double
        var coordinate: Coordinate { Coordinate(latitude: lat, longitude: lng) }
    }

    struct GCJPair: Decodable, Sendable {
        let wgs84: LatLng
        let gcj02: LatLng
    }

    struct BDPair: Decodable, Sendable {
        let gcj02: LatLng
        let bd09: LatLng
    }

    struct Transforms: Decodable, Sendable {
        let source: String
        let gcj02: [GCJPair]
        let bd09: [BDPair]
        let outside: [LatLng]
    }

    struct GeodesicVector: Decodable, Sendable, CustomStringConvertible {
        let lat1, lng1, lat2, lng2: Double
        let distance_m: Double
        /// geographiclib's raw `azi1`, in (-180, 180].
        let azimuth_deg: Double

        var from: Coordinate { Coordinate(latitude: lat1, longitude: lng1) }
        var to: Coordinate { Coordinate(latitude: lat2, longitude: lng2) }

        /// Whether the initial azimuth is undefined or arbitrary (coincident points, a pole,
        /// exact antipodes), so only the distance can be compared.
        var azimuthIsDegenerate: Bool {
            let dLng = abs(lng1 - lng2).truncatingRemainder(dividingBy: 360)
            let sameMeridianOpposite = abs(dLng - 180) < 1e-9
            return distance_m == 0 || abs(lat1) == 90 || abs(lat2) == 90 || (lat1 == -lat2 && sameMeridianOpposite)
        }

        var description: String { "(\(lat1), \(lng1)) -> (\(lat2), \(lng2))" }
    }

    static let transforms: Transforms = load("transform-vectors", as: Transforms.self)
    static let geodesics: [GeodesicVector] = load("geodesic-vectors", as: [GeodesicVector].self)

    private static func load<T: Decodable>(_ name: String, as type: T.Type) -> T {
        guard let url = Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures") else {
            fatalError("Fixtures/\(name).json is missing from the test bundle")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(contentsOf: url))
        } catch {
            fatalError("cannot read Fixtures/\(name).json: \(error)")
        }
    }
}


/// WGS-84 geodesic metres between two points.
func meters(_ a: Coordinate, _ b: Coordinate) -> Double {
    Geodesic.wgs84.distanceMeters(from: a, to: b)
}

/// The larger of the latitude and longitude differences, degrees.
func degreesApart(_ a: Coordinate, _ b: Coordinate) -> Double {
    max(abs(a.latitude - b.latitude), abs(a.longitude - b.longitude))
}
