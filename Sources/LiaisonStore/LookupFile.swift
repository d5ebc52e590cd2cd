import Foundation
import GRDB
import Geodesy
import LiaisonCore
import StationIndex

/// A SpatiaLite file opened for one lookup, the way a one-shot `liaison nearest` or
/// `liaison where` needs it: plain SQLite, read-only, without loading SpatiaLite, reading only
/// the columns a lookup uses, by position.
///
/// ```swift
/// if let file = try LookupFile(path: "data/liaison.sqlite") {
///     let answer = try file.read { register in try register.nearest(query) }
/// }
/// ```
///
/// ``LiaisonDatabase/snapshot()`` decodes every station whole (hours, staff, address) and
/// loads SpatiaLite with its 50-odd libraries: 80 ms before a single answer. Here the index is
/// built from each active station's id, county, point and modes, and only the stations in
/// the answer are read whole. Nothing is cached between runs, so nothing can go stale.
public final class LookupFile: Sendable {
    private let queue: DatabaseQueue

    /// Opens the file for reading, or returns nil when it cannot be read this way and the
    /// ordinary path must take it: there is no file (the ordinary path creates it), or its
    /// schema is not exactly the one this binary writes (older: the ordinary path migrates it;
    /// newer: it says what to do).
    public init?(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var config = Configuration()
        config.readonly = true
        config.busyMode = LiaisonDatabase.pollingBusyMode
        queue = try DatabaseQueue(path: path, configuration: config)
        let current = try queue.read { db in
            let migrator = Migrations.migrator
            return try migrator.hasCompletedMigrations(db) && !migrator.hasBeenSuperseded(db)
        }
        guard current else { return nil }
    }

    /// Runs `body` in one read transaction: everything it reads is one version of the register,
    /// whatever another process writes meanwhile. Returns nil when a geometry in the file is not
    /// one this reader decodes (see ``SpatiaLiteBlob``): the ordinary path reads it instead.
    public func read<T>(_ body: (RegisterLookup) throws -> T) throws -> T? {
        try queue.read { db in
            let counties: [County]
            do {
                counties = try Row.fetchAll(db, sql: "SELECT adcode, name, city_code, city_name, geom FROM counties ORDER BY adcode").map { row in
                    County(adcode: row[0], name: row[1], cityCode: row[2], cityName: row[3], boundary: try SpatiaLiteBlob.readMultiPolygon(row[4]))
                }
            } catch is StoreError {
                return nil
            }
            return try body(RegisterLookup(db: db, counties: CountyLocator(counties)))
        }
    }
}

/// The register as one read transaction of a ``LookupFile`` sees it. Valid only inside
/// ``LookupFile/read(_:)``.
public struct RegisterLookup {
    fileprivate let db: Database
    public let counties: CountyLocator

    /// The nearest active stations, exactly as ``StationSnapshot/nearest(_:)`` finds them.
    ///
    /// Reads only the stations in a box around the point (through the file's R*Tree,
    /// `idx_stations_geom`) that holds every station within `reach` metres, and widens the box
    /// fourfold until the answer is complete: `limit` stations within the reach (anything
    /// outside the box is farther than the reach, so farther than all of them, ties included),
    /// or the reach covers the query's radius or the whole Earth.
    public func nearest(_ query: NearestQuery) throws -> [NearestStation] {
        let radius = query.radiusKilometers.map { $0 * 1000 } ?? .infinity
        var reach = 10_000.0
        while true {
            let box = GeodesicBox(around: query.wgs84, reach: min(reach, radius))
            // Every station within this many metres is in the box.
            let covered = box.isWholeEarth ? .infinity : min(reach, radius)
            let index = ActiveStationIndex(try entries(in: box, county: query.countyCode), countyIndexes: false)
            let found = index.nearest(query, reach: covered)
            if found.count == query.limit || covered >= radius {
                return try index.whole(found) { ids in
                    try StationRecord.filter(keys: ids).fetchAll(db).map { try $0.station() }
                }
            }
            reach *= 4
        }
    }

    /// The active stations whose points lie in `box` (of `county` only, when given), in id order.
    func entries(in box: GeodesicBox, county: String?) throws -> [IndexedStation] {
        var sql = """
            SELECT id, county_code, geom, (SELECT group_concat(value) FROM json_each(stations.modes))
            FROM stations WHERE status = 'active'
            """
        var arguments: StatementArguments = []
        if !box.isWholeEarth {
            sql += " AND rowid IN (SELECT pkid FROM idx_stations_geom WHERE xmax >= ? AND xmin <= ? AND ymax >= ? AND ymin <= ?)"
            arguments += [box.minLongitude, box.maxLongitude, box.minLatitude, box.maxLatitude]
        }
        if let county {
            sql += " AND county_code = ?"
            arguments += [county]
        }
        let rows = try Row.fetchCursor(db, sql: sql + " ORDER BY id", arguments: arguments)
        var entries: [IndexedStation] = []
        while let row = try rows.next() {
            guard let point = SpatiaLitePoint.fromDatabaseValue(row[2]) else {
                throw StoreError(message: "station \(row[0] as String): its geom is not a SpatiaLite point")
            }
            let modes = ((row[3] as String?) ?? "").split(separator: ",").compactMap { MediationMode(rawValue: String($0)) }
            entries.append(IndexedStation(id: row[0], location: point.coordinate, modeMask: modes.mask,
                                          countyCode: Int32(row[1] as String) ?? 0))
        }
        return entries
    }
}

/// A latitude/longitude box that holds every point within `reach` metres (WGS-84 geodesic) of
/// a centre, by two bounds that hold for any path on the ellipsoid:
/// - a path of length s changes latitude by at most s / M₀, M₀ = a(1 − e²) being the smallest
///   meridian radius of curvature (ds ≥ M dφ);
/// - on it, longitude changes by at most s / (a cos φ*), φ* the highest latitude the path can
///   reach (ds ≥ N cos φ dλ, N ≥ a).
/// Past a pole or across the antimeridian it is the whole Earth, which is never wrong.
struct GeodesicBox {
    static let a = 6_378_137.0
    static let meridianRadiusMin = a * (1 - 0.006694379990141317)   // a(1 − e²), WGS-84

    let minLatitude: Double, maxLatitude: Double, minLongitude: Double, maxLongitude: Double
    let isWholeEarth: Bool

    init(around center: Coordinate, reach: Double) {
        let dLat = reach / Self.meridianRadiusMin * 180 / .pi
        let highest = abs(center.latitude) + dLat
        let dLng = highest < 89.9 ? reach / (Self.a * cos(highest * .pi / 180)) * 180 / .pi : .infinity
        minLatitude = center.latitude - dLat
        maxLatitude = center.latitude + dLat
        minLongitude = center.longitude - dLng
        maxLongitude = center.longitude + dLng
        isWholeEarth = !reach.isFinite || highest >= 89.9 || minLongitude < -180 || maxLongitude > 180
    }
}
