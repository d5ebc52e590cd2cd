import Foundation
import GRDB
import Geodesy
import LiaisonCore
import Synchronization

/// Staff writes to the register: create, update (JSON merge patch) and retire, each one
/// transaction with its history row, followed by a new index snapshot.
///
/// The HTTP API and the CLI both write through here, so both apply the same rules. Calls
/// block (SQLite, and a snapshot rebuild of a few milliseconds): call them off the event loop.
public final class StationRegistry: Sendable {
    let database: LiaisonDatabase
    public let finder: StationFinder
    /// Serialises write, rebuild and swap, so a newer snapshot is never replaced by an older one.
    private let writing = Mutex<Void>(())

    public init(database: LiaisonDatabase, finder: StationFinder) {
        self.database = database
        self.finder = finder
    }

    /// Another active station is within ``StationDraft/nearbyMeters`` and the request did not say that is intended.
    public struct NearbyConflict: Error, Sendable, CustomStringConvertible {
        public let other: Station
        public let distanceMeters: Double
        public var description: String {
            "active station \(other.id) \(other.name) is \(String(format: "%.1f", distanceMeters)) m away (closer than \(Int(StationDraft.nearbyMeters)) m): set allow_nearby to true if that is intended"
        }
    }

    /// The token's role does not cover the station's county.
    public struct Forbidden: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// The station's state does not allow the change (for example, it is retired).
    public struct StateConflict: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Registers a new station; the register assigns its id (`ADCODE-NNNN`, next in the county).
    public func create(_ draft: [String: Any], by actor: StaffToken) throws -> Station {
        try writing.withLock { _ in
            let snapshot = finder.snapshot
            var validated = try StationDraft.validate(draft, id: nil, counties: snapshot.counties)
            try authorize(actor, county: validated.station.countyCode)
            try checkNearby(validated, excluding: nil, in: snapshot)
            let station = try database.pool.write { db in
                validated.station.id = try StationRecord.nextID(county: validated.station.countyCode, in: db)
                _ = try StationRecord.upsert([validated.station], actor: actor.name, action: "create", in: db)
                return validated.station
            }
            try refresh()
            return station
        }
    }

    /// Applies a JSON merge patch (RFC 7396) to a station's writable fields.
    public func update(id: String, patch: [String: Any], by actor: StaffToken) throws -> Station {
        try writing.withLock { _ in
            let snapshot = finder.snapshot
            guard let current = snapshot.station(id: id) else { throw NotFound(what: "station", id: id) }
            guard current.status == .active else { throw StateConflict(description: "station \(id) is retired: retired stations are kept as history and not changed") }
            try authorize(actor, county: current.countyCode)
            let merged = StationDraft.merge(patch, into: StationDraft.object(of: current)) as? [String: Any] ?? [:]
            let validated = try StationDraft.validate(merged, id: id, counties: snapshot.counties)
            try authorize(actor, county: validated.station.countyCode)
            try checkNearby(validated, excluding: id, in: snapshot)
            guard validated.station != current else { return current }
            _ = try database.pool.write { db in
                try StationRecord.upsert([validated.station], actor: actor.name, action: "update", in: db)
            }
            try refresh()
            return validated.station
        }
    }

    /// Retires a station (no hard deletes: the row and its history stay).
    public func retire(id: String, reason: String, by actor: StaffToken) throws -> Station {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...500).contains(reason.count) else {
            throw InvalidInput(name: "reason", reason: "expected 1 to 500 characters saying why the station is retired")
        }
        return try writing.withLock { _ in
            guard var station = finder.snapshot.station(id: id) else { throw NotFound(what: "station", id: id) }
            guard station.status == .active else { throw StateConflict(description: "station \(id) is already retired") }
            try authorize(actor, county: station.countyCode)
            station.status = .retired
            _ = try database.pool.write { db in
                try StationRecord.upsert([station], actor: actor.name, action: "retire", reason: reason, in: db)
            }
            try refresh()
            return station
        }
    }

    /// Every recorded change of a station, oldest first.
    public func history(id: String) throws -> [StationHistoryEntry] {
        guard finder.snapshot.station(id: id) != nil else { throw NotFound(what: "station", id: id) }
        return try database.pool.read { db in try StationHistoryRecord.entries(stationID: id, in: db) }
    }

    /// Imports stations (upsert by id) in one transaction, then refreshes the index.
    public func importStations(_ stations: [Station], by actor: StaffToken) throws -> LiaisonDatabase.ImportCounts {
        try writing.withLock { _ in
            guard actor.role.isAdmin else { throw Forbidden(description: "importing stations needs an admin token; \(actor.name) is \(actor.role)") }
            let counts = try database.pool.write { db in try StationRecord.upsert(stations, actor: actor.name, action: "import", in: db) }
            try refresh()
            return counts
        }
    }

    private func authorize(_ actor: StaffToken, county: String) throws {
        guard actor.role.permits(countyCode: county) else {
            throw Forbidden(description: "token \(actor.name) (\(actor.role)) may not write stations in county \(county)")
        }
    }

    private func checkNearby(_ validated: StationDraft.Validated, excluding id: String?, in snapshot: StationSnapshot) throws {
        guard !validated.allowNearby else { return }
        let query = try NearestQuery.validated(latitude: validated.station.location.latitude, longitude: validated.station.location.longitude,
                                               limit: 2, radiusKilometers: StationDraft.nearbyMeters / 1000, counties: snapshot.counties)
        if let near = snapshot.nearest(query).first(where: { $0.station.id != id }) {
            throw NearbyConflict(other: near.station, distanceMeters: near.distanceMeters)
        }
    }

    /// Reads the register after a commit and swaps the new snapshot in.
    private func refresh() throws {
        finder.replace(with: try database.snapshot())
    }
}

/// One recorded change of a station.
public struct StationHistoryEntry: Sendable, Hashable, Codable {
    public let seq: Int
    public let station_id: String
    /// ISO 8601, UTC.
    public let at: String
    /// The token name (or `cli:USER`, `geodata`, `import`) that made the change.
    public let actor: String
    /// create, update, retire or import.
    public let action: String
    public let reason: String?
    public let before: StationFeature?
    public let after: StationFeature
}
