import Foundation
import GRDB
import Geodesy
import LiaisonCore

/// A row type as GRDB maps it: Codable, its columns named once (by its `CodingKeys`, which
/// double as its `Columns`), and every timestamp in the one stored form, ``Timestamp``
/// (`2026-11-29T07:38:47.123Z`, sortable as text), whichever table it is in.
protocol LiaisonRecord: Codable, FetchableRecord, PersistableRecord {}

extension LiaisonRecord {
    static func databaseDateEncodingStrategy(for column: String) -> DatabaseDateEncodingStrategy {
        .custom { Timestamp.string($0) }
    }

    static func databaseDateDecodingStrategy(for column: String) -> DatabaseDateDecodingStrategy {
        .custom { String.fromDatabaseValue($0).flatMap(Timestamp.parse) }
    }
}

/// A point as SpatiaLite stores it in a geometry column (its internal BLOB-Geometry, little
/// endian): what `MakePoint(lng, lat, 4326)` returns, byte for byte, so a record can write
/// its geometry column like any other value.
struct SpatiaLitePoint: DatabaseValueConvertible, Equatable {
    var coordinate: Coordinate
    var srid: Int32 = 4326

    var databaseValue: DatabaseValue {
        var out = Data(capacity: 60)
        func f64(_ v: Double) { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        func i32(_ v: Int32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        let x = coordinate.longitude, y = coordinate.latitude
        out.append(0x00); out.append(0x01)     // start, little endian
        i32(srid)
        f64(x); f64(y); f64(x); f64(y)         // the bounding box of a point is the point
        out.append(0x7C)                       // end of the box
        i32(1)                                 // class: POINT (XY)
        f64(x); f64(y)
        out.append(0xFE)                       // end
        return out.databaseValue
    }

    static func fromDatabaseValue(_ dbValue: DatabaseValue) -> SpatiaLitePoint? {
        guard let data = Data.fromDatabaseValue(dbValue), data.count == 60 else { return nil }
        return data.withUnsafeBytes { raw in
            func u8(_ at: Int) -> UInt8 { raw.load(fromByteOffset: at, as: UInt8.self) }
            func i32(_ at: Int) -> Int32 { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int32.self)) }
            func f64(_ at: Int) -> Double { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self))) }
            guard u8(0) == 0x00, u8(1) == 0x01, u8(38) == 0x7C, u8(59) == 0xFE, i32(39) == 1 else { return nil }
            return SpatiaLitePoint(coordinate: Coordinate(latitude: f64(51), longitude: f64(43)), srid: i32(2))
        }
    }
}

/// Codable as its stored bytes, so that records holding a point synthesise their Codable
/// conformance; GRDB itself reads and writes it through ``DatabaseValueConvertible``.
extension SpatiaLitePoint: Codable, Sendable {
    init(from decoder: any Decoder) throws {
        let data = try decoder.singleValueContainer().decode(Data.self)
        guard let point = Self.fromDatabaseValue(data.databaseValue) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not a SpatiaLite point"))
        }
        self = point
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Data.fromDatabaseValue(databaseValue))
    }
}
