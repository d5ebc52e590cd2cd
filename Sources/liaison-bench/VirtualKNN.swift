import Foundation
import GRDB
import Geodesy
@_spi(Benchmark) import LiaisonStore

/// SpatiaLite's own nearest-neighbour search (`VirtualKNN`), the baseline the in-memory index
/// is benchmarked against (`liaison-bench`); the service itself never uses it.
///
/// `VirtualKNN` walks the R*Tree and measures with its own distance code, so ties and
/// sub-millimetre differences need not match the exact answer.
enum VirtualKNN {
    static func nearest(_ db: Database, table: String, to point: Coordinate, limit: Int) throws -> [String] {
        // A temp-schema virtual table: nothing is added to the file.
        try db.execute(sql: "CREATE VIRTUAL TABLE IF NOT EXISTS temp.knn USING VirtualKNN()")
        return try String.fetchAll(db.cachedStatement(sql: """
            SELECT t.id FROM temp.knn AS k JOIN \(table) AS t ON t.ROWID = k.fid
            WHERE k.f_table_name = '\(table)' AND k.f_geometry_column = 'geom'
              AND k.ref_geometry = MakePoint(?, ?, 4326) AND k.max_items = ?
            ORDER BY k.pos
            """), arguments: [point.longitude, point.latitude, limit])
    }
}

extension LiaisonDatabase {
    /// The ids of the stations nearest to `point` by SpatiaLite's `VirtualKNN`.
    func spatiaLiteNearest(to point: Coordinate, limit: Int) throws -> [String] {
        try writeWithoutTransaction { db in try VirtualKNN.nearest(db, table: "stations", to: point, limit: limit) }
    }
}

/// A SpatiaLite file of bare points (id and POINT geometry with a spatial index), for
/// benchmarking SpatiaLite's own search at sizes the register's id scheme does not allow.
final class PointDatabase: Sendable {
    private let queue: DatabaseQueue
    private let caches = SpatiaLiteCaches()

    /// Creates the file at `path` (replacing any) and writes the points in one transaction.
    init(path: String, points: [(id: String, location: Coordinate)]) throws {
        try? FileManager.default.removeItem(atPath: path)
        queue = try DatabaseQueue(path: path, configuration: LiaisonDatabase.configuration(caches))
        try queue.write { db in
            try expectOne(db, "SELECT InitSpatialMetadata('WGS84')")
            try db.execute(sql: "CREATE TABLE points (id TEXT PRIMARY KEY NOT NULL)")
            try expectOne(db, "SELECT AddGeometryColumn('points', 'geom', 4326, 'POINT', 'XY', 1)")
            try expectOne(db, "SELECT CreateSpatialIndex('points', 'geom')")
            let insert = try db.makeStatement(sql: "INSERT INTO points (id, geom) VALUES (?, MakePoint(?, ?, 4326))")
            for p in points {
                try insert.execute(arguments: [p.id, p.location.longitude, p.location.latitude])
            }
        }
    }

    deinit {
        try? queue.close()
        caches.freeAll()
    }

    /// The ids of the points nearest to `point` by SpatiaLite's `VirtualKNN`.
    func spatiaLiteNearest(to point: Coordinate, limit: Int) throws -> [String] {
        try queue.inDatabase { db in try VirtualKNN.nearest(db, table: "points", to: point, limit: limit) }
    }
}

/// Runs a SpatiaLite administrative function that returns 1 on success.
private func expectOne(_ db: Database, _ sql: String) throws {
    guard try Int.fetchOne(db, sql: sql) == 1 else { throw SpatiaLiteRefused(sql: sql) }
}

struct SpatiaLiteRefused: Error, CustomStringConvertible {
    let sql: String
    var description: String { "SpatiaLite refused: \(sql)" }
}
