import Foundation
import GRDB
import Geodesy
import LiaisonCore

/// Staff writes to the register: create, update (JSON merge patch) and retire, each one
/// transaction with its history row, followed by a new index snapshot.
///
/// Every write reads what it depends on (the station's current row, the stations within
/// 100 m, the county's highest id) inside its own IMMEDIATE transaction, never from this
/// process's snapshot: another process (the CLI, a second server) may have changed the
/// register since that snapshot was read. The HTTP API and the CLI both write through here,
/// so both apply the same rules. Calls block (SQLite, and a snapshot rebuild of a few
/// milliseconds): call them off the event loop.
public final class StationRegistry: Sendable {
    let database: LiaisonDatabase
    public let finder: StationFinder

    public init(database: LiaisonDatabase, finder: StationFinder) {
        self.database = database
        self.finder = finder
    }

    /// Another active station is within ``StationDraft/nearbyMeters`` and the request did not say that is intended.
    public struct NearbyConflict: DomainError {
        public let other: Station
        public let distanceMeters: Double
        public var refusal: Refusal { .conflict(type: "nearby-station", title: "Another station is nearby") }
        public var description: String {
            "active station \(other.id) \(other.name) is \(String(format: "%.1f", distanceMeters)) m away (closer than \(Int(StationDraft.nearbyMeters)) m): set allow_nearby to true if that is intended"
        }
    }

    /// The token's role does not cover the station's county.
    public struct Forbidden: DomainError {
        public let description: String
        public var refusal: Refusal { .forbidden }
    }

    /// The station's state does not allow the change (for example, it is retired).
    public struct StateConflict: DomainError {
        public let description: String
        public var refusal: Refusal { .conflict(type: "state-conflict", title: "Conflict") }
    }

    /// The caller's precondition on the current row (an `If-Match` ETag) does not hold:
    /// the station changed since the caller read it.
    public struct PreconditionFailed: DomainError {
        public let description: String
        public var refusal: Refusal { .preconditionFailed }
        public init(description: String) { self.description = description }
    }

    /// A check of the station as it is in the database now, run inside the write transaction
    /// before anything is changed; it throws (e.g. ``PreconditionFailed``) to refuse the write.
    public typealias Precondition = @Sendable (Station) throws -> Void

    /// Swaps in the register as committed when another process changed it; whether it did.
    public func refresh() throws -> Bool {
        try database.refresh(finder)
    }

    /// Registers a new station; the register assigns its id (`ADCODE-NNNN`, next in the county).
    public func create(_ draft: [String: Any], by actor: StaffToken) throws -> Station {
        let counties = finder.snapshot.counties
        var validated = try StationDraft.validate(draft, id: nil, counties: counties)
        try authorize(actor, county: validated.station.countyCode)
        let station = try database.writeImmediate { db in
            try checkNearby(validated, excluding: nil, counties: counties, in: db)
            validated.station.id = try StationRecord.nextID(county: validated.station.countyCode, in: db)
            _ = try StationRecord.upsert([validated.station], actor: actor.name, action: "create", in: db)
            return validated.station
        }
        try swapInCommitted()
        return station
    }

    /// Applies a JSON merge patch (RFC 7396) to the station's writable fields as they are in
    /// the database now; `precondition` sees that current row first.
    public func update(id: String, patch: [String: Any], by actor: StaffToken, precondition: Precondition? = nil) throws -> Station {
        let counties = finder.snapshot.counties
        let (station, changed) = try database.writeImmediate { db -> (Station, Bool) in
            // In this order: the caller's rights, then the change itself (400), then whether it
            // was made against the current version (412), then whether the station may change (409).
            let current = try current(id: id, by: actor, in: db)
            let merged = StationDraft.merge(patch, into: StationDraft.object(of: current)) as? [String: Any] ?? [:]
            let validated = try StationDraft.validate(merged, id: id, counties: counties)
            try authorize(actor, county: validated.station.countyCode)
            try precondition?(current)
            try requireActive(current)
            guard validated.station != current else { return (current, false) }
            try checkNearby(validated, excluding: id, counties: counties, in: db)
            _ = try StationRecord.upsert([validated.station], actor: actor.name, action: "update", in: db)
            return (validated.station, true)
        }
        if changed { try swapInCommitted() }
        return station
    }

    /// Retires a station (no hard deletes: the row and its history stay).
    public func retire(id: String, reason: String, by actor: StaffToken, precondition: Precondition? = nil) throws -> Station {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...500).contains(reason.count) else {
            throw InvalidInput(name: "reason", reason: "expected 1 to 500 characters saying why the station is retired")
        }
        let station = try database.writeImmediate { db in
            var station = try current(id: id, by: actor, in: db)
            try precondition?(station)
            try requireActive(station)
            station.status = .retired
            _ = try StationRecord.upsert([station], actor: actor.name, action: "retire", reason: reason, in: db)
            return station
        }
        try swapInCommitted()
        return station
    }

    /// Every recorded change of a station, oldest first.
    public func history(id: String) throws -> [StationHistoryEntry] {
        try database.pool.read { db in
            guard try StationRecord.station(db, id: id) != nil else { throw NotFound(what: "station", id: id) }
            return try StationHistoryRecord.entries(stationID: id, in: db)
        }
    }

    /// Imports stations (upsert by id) in one transaction, then refreshes the index.
    public func importStations(_ stations: [Station], by actor: StaffToken) throws -> LiaisonDatabase.ImportCounts {
        guard actor.role.isAdmin else { throw Forbidden(description: "importing stations needs an admin token; \(actor.name) is \(actor.role)") }
        let counts = try database.writeImmediate { db in try StationRecord.upsert(stations, actor: actor.name, action: "import", in: db) }
        try swapInCommitted()
        return counts
    }

    /// The station's row as committed now, if `actor` may write it.
    private func current(id: String, by actor: StaffToken, in db: Database) throws -> Station {
        guard let current = try StationRecord.station(db, id: id) else { throw NotFound(what: "station", id: id) }
        try authorize(actor, county: current.countyCode)
        return current
    }

    private func requireActive(_ station: Station) throws {
        guard station.status == .active else {
            throw StateConflict(description: "station \(station.id) is retired: retired stations are kept as history and not changed")
        }
    }

    private func authorize(_ actor: StaffToken, county: String) throws {
        guard actor.role.permits(countyCode: county) else {
            throw Forbidden(description: "token \(actor.name) (\(actor.role)) may not write stations in county \(county)")
        }
    }

    /// Refuses a station within ``StationDraft/nearbyMeters`` of another active one, reading
    /// the candidates from the database's spatial index (a box of at least twice the distance)
    /// and measuring them exactly, as the nearest query does.
    private func checkNearby(_ validated: StationDraft.Validated, excluding id: String?, counties: CountyLocator, in db: Database) throws {
        guard !validated.allowNearby else { return }
        let location = validated.station.location
        let candidates = try StationRecord.activeStations(around: location, meters: 2 * StationDraft.nearbyMeters, in: db)
        let query = try NearestQuery.validated(latitude: location.latitude, longitude: location.longitude,
                                               limit: 2, radiusKilometers: StationDraft.nearbyMeters / 1000, counties: counties)
        if let near = StationSnapshot(stations: candidates, counties: []).nearest(query).first(where: { $0.station.id != id }) {
            throw NearbyConflict(other: near.station, distanceMeters: near.distanceMeters)
        }
    }

    /// Reads the register after a commit and swaps the new snapshot in (unless a newer one already is).
    private func swapInCommitted() throws {
        finder.offer(try database.snapshot())
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
