import Foundation
import Geodesy

/// Well-Known Binary for the geometries the stores hold (OGC Simple Features, 2-D), in
/// SpatiaLite (`GeomFromWKB`, `AsBinary`) and PostGIS (`ST_GeomFromWKB`, `ST_AsBinary`) alike.
///
/// Geometries cross the SQLite boundary as WKB (`GeomFromWKB`, `AsBinary`) because it is
/// exact: SpatiaLite's text outputs round to 15 significant digits.
public enum WKB {
    public static func multiPolygon(_ m: MultiPolygon) -> Data {
        var out = Data()
        func u32(_ v: Int) { withUnsafeBytes(of: UInt32(v).littleEndian) { out.append(contentsOf: $0) } }
        func f64(_ v: Double) { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        out.append(1); u32(6); u32(m.polygons.count)
        for polygon in m.polygons {
            out.append(1); u32(3); u32(polygon.count)
            for ring in polygon {
                u32(ring.count)
                for p in ring { f64(p.longitude); f64(p.latitude) }
            }
        }
        return out
    }

    /// Reads a Polygon or MultiPolygon.
    public static func readMultiPolygon(_ data: Data) throws -> MultiPolygon {
        var reader = GeometryReader(bytes: [UInt8](data))
        let polygons: [[[Coordinate]]]
        switch try reader.header() {
        case 3: polygons = [try reader.polygonBody()]
        case 6:
            let n = try reader.u32()
            polygons = try (0..<n).map { _ in
                guard try reader.header() == 3 else { throw StoreError(message: "WKB: expected a polygon in a multipolygon") }
                return try reader.polygonBody()
            }
        case let type: throw StoreError(message: "WKB: geometry type \(type) is not a polygon")
        }
        return MultiPolygon(polygons: polygons)
    }
}

/// SpatiaLite's own geometry blob (what a `geom` column holds), read without SpatiaLite: a
/// header (byte order, SRID, bounding box), then the body of WKB with 0x69 before each part of
/// a collection where WKB repeats the byte order. Only the uncompressed 2-D polygons and
/// multipolygons `GeomFromWKB` stores are read; anything else is refused, not guessed at.
enum SpatiaLiteBlob {
    static func readMultiPolygon(_ data: Data) throws -> MultiPolygon {
        var reader = GeometryReader(bytes: [UInt8](data), format: "SpatiaLite blob")
        guard data.count >= 44, reader.bytes[0] == 0x00, reader.bytes[1] == 0x00 || reader.bytes[1] == 0x01,
              reader.bytes[38] == 0x7C, reader.bytes[data.count - 1] == 0xFE else {
            throw StoreError(message: "SpatiaLite blob: not a geometry blob")
        }
        reader.little = reader.bytes[1] == 0x01
        reader.at = 39
        let polygons: [[[Coordinate]]]
        switch try reader.u32() {
        case 3: polygons = [try reader.polygonBody()]
        case 6:
            polygons = try (0..<reader.u32()).map { _ in
                guard reader.at < reader.bytes.count, reader.bytes[reader.at] == 0x69 else {
                    throw StoreError(message: "SpatiaLite blob: expected a part of the multipolygon")
                }
                reader.at += 1
                guard try reader.u32() == 3 else { throw StoreError(message: "SpatiaLite blob: expected a polygon in a multipolygon") }
                return try reader.polygonBody()
            }
        case let type: throw StoreError(message: "SpatiaLite blob: geometry class \(type) is not a 2-D polygon")
        }
        guard reader.at == reader.bytes.count - 1 else { throw StoreError(message: "SpatiaLite blob: bytes after the geometry") }
        return MultiPolygon(polygons: polygons)
    }
}

/// Reads the little- or big-endian numbers of WKB and of SpatiaLite's own geometry blobs.
struct GeometryReader {
    let bytes: [UInt8]
    var at = 0
    var little = true
    /// Named in errors.
    var format = "WKB"

    mutating func header() throws -> Int {
        guard at < bytes.count else { throw StoreError(message: "\(format): truncated") }
        little = bytes[at] == 1
        at += 1
        return try u32()
    }

    mutating func u32() throws -> Int {
        guard at + 4 <= bytes.count else { throw StoreError(message: "\(format): truncated") }
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[at + i]) << (8 * (little ? i : 3 - i)) }
        at += 4
        return Int(v)
    }

    mutating func f64() throws -> Double {
        guard at + 8 <= bytes.count else { throw StoreError(message: "\(format): truncated") }
        var v: UInt64 = 0
        for i in 0..<8 { v |= UInt64(bytes[at + i]) << (8 * (little ? i : 7 - i)) }
        at += 8
        return Double(bitPattern: v)
    }

    mutating func polygonBody() throws -> [[Coordinate]] {
        try (0..<u32()).map { _ in
            try (0..<u32()).map { _ in
                let x = try f64(), y = try f64()
                return try Coordinate.validated(latitude: y, longitude: x)
            }
        }
    }
}
