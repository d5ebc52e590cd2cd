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
    let database: any RegisterStore
    public let finder: StationFinder
    /// What a retirement does to the station's complaints (the complaint desk); without one,
    /// a station holding open complaints is not retired (409).
    let handOver: (any RetirementHandOver)?

    public init(database: any RegisterStore, finder: StationFinder, handOver: (any RetirementHandOver)? = nil) {
        self.database = database
        self.finder = finder
        self.handOver = handOver
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

    /// The draft repeats a station already registered: the same name within 1 km, or a staff
    /// mobile of another active station; the request did not say that is intended.
    public struct DuplicateConflict: DomainError {
        public let other: Station
        public let why: String
        public var refusal: Refusal { .conflict(type: "duplicate-station", title: "The station seems registered already") }
        public var description: String {
            "active station \(other.id) \(other.name) \(why): set allow_duplicate to true if this is another station"
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
        let station = try database.writing { db in
            try database.lockRegister(in: db)
            try checkNearby(validated, excluding: nil, counties: counties, in: db)
            try checkDuplicate(validated, excluding: nil, in: db)
            validated.station.id = try database.nextStationID(county: validated.station.countyCode, in: db)
            _ = try database.upsert([validated.station], actor: actor.name, action: "create", reason: nil, in: db)
            return validated.station
        }
        try swapInCommitted()
        return station
    }

    /// Applies a JSON merge patch (RFC 7396) to the station's writable fields as they are in
    /// the database now; `precondition` sees that current row first.
    public func update(id: String, patch: [String: Any], by actor: StaffToken, precondition: Precondition? = nil) throws -> Station {
        try rewrite(id: id, by: actor, precondition: precondition) { _ in
            let unknown = StationDraft.unknownPatchFields(patch)
            guard unknown.isEmpty else { throw InvalidInput(unknown) }
            return patch
        }
    }

    /// Adds one staff member (`name`, `role`, `mobile`; `allow_duplicate` and `allow_nearby` as
    /// in a patch) through ``update(id:patch:by:precondition:)``'s path; the member gets the next
    /// id the station never gave.
    /// - Returns: the station and the new member's id.
    /// - Throws: ``InvalidInput`` naming the member's fields (`mobile`), not their place in the list.
    public func addStaff(stationID: String, member: [String: Any], by actor: StaffToken,
                         precondition: Precondition? = nil) throws -> (station: Station, staffID: String) {
        let station = try rewriteStaff(stationID: stationID, by: actor, precondition: precondition, member: member) { current in
            let (fields, flags) = try Self.staffFields(member)
            return ((StationDraft.object(of: current)["staff"] as? [[String: Any]] ?? []) + [fields], current.staff.count, flags)
        }
        // The new member is the last (a station's members keep their order).
        return (station, station.staff.last?.id ?? "")
    }

    /// Changes the fields `fields` gives (`name`, `role`, `mobile`) of one staff member and keeps
    /// the others, the stored full mobile included.
    public func editStaff(stationID: String, staffID: String, fields: [String: Any], by actor: StaffToken,
                          precondition: Precondition? = nil) throws -> Station {
        try rewriteStaff(stationID: stationID, by: actor, precondition: precondition, member: fields) { current in
            let (fields, flags) = try Self.staffFields(fields)
            guard !fields.isEmpty else { throw InvalidInput(name: "body", reason: "no field to change: expected one or more of name, role and mobile") }
            guard let index = current.staff.firstIndex(where: { $0.id == staffID }) else { throw NotFound(what: "staff member", id: "\(stationID)/\(staffID)") }
            var staff = StationDraft.object(of: current)["staff"] as? [[String: Any]] ?? []
            staff[index].merge(fields) { _, given in given }
            return (staff, index, flags)
        }
    }

    /// Removes one staff member; refuses the last (a station has at least one).
    public func removeStaff(stationID: String, staffID: String, by actor: StaffToken, precondition: Precondition? = nil) throws -> Station {
        try rewriteStaff(stationID: stationID, by: actor, precondition: precondition, member: [:]) { current in
            guard let index = current.staff.firstIndex(where: { $0.id == staffID }) else { throw NotFound(what: "staff member", id: "\(stationID)/\(staffID)") }
            guard current.staff.count > 1 else {
                throw StateConflict(description: "\(staffID) is station \(stationID)'s only staff member: a station has at least one, so add the new member first")
            }
            var staff = StationDraft.object(of: current)["staff"] as? [[String: Any]] ?? []
            staff.remove(at: index)
            return (staff, nil, [:])
        }
    }

    /// A staff route's body: the member's fields, and the patch's allow flags apart.
    private static func staffFields(_ body: [String: Any]) throws -> (fields: [String: Any], flags: [String: Any]) {
        let memberNames: Set<String> = ["name", "role", "mobile"], flagNames: Set<String> = ["allow_duplicate", "allow_nearby"]
        let unknown = body.keys.filter { !memberNames.contains($0) && !flagNames.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw InvalidInput(unknown.map {
                InvalidParameter(name: $0, reason: "unknown field: expected only mobile, name, role, allow_duplicate and allow_nearby (the id is the path's)")
            })
        }
        return (body.filter { !flagNames.contains($0.key) }, body.filter { flagNames.contains($0.key) })
    }

    /// One staff route's write: `change` gives the station's new staff list (and the changed
    /// member's place in it) from the current row, inside ``rewrite``'s transaction; a bad field
    /// of that member is named as the member's own (`mobile`, not `staff[2].mobile`).
    private func rewriteStaff(stationID: String, by actor: StaffToken, precondition: Precondition?, member: [String: Any],
                              _ change: (Station) throws -> (staff: [[String: Any]], index: Int?, flags: [String: Any])) throws -> Station {
        var changed: Int?
        do {
            return try rewrite(id: stationID, by: actor, precondition: precondition) { current in
                let (staff, index, flags) = try change(current)
                changed = index
                return flags.merging(["staff": staff]) { _, staff in staff }
            }
        } catch let error as InvalidInput {
            guard let changed else { throw error }
            let prefix = "staff[\(changed)]."
            throw InvalidInput(error.parameters.map { $0.name.hasPrefix(prefix) ? InvalidParameter(name: String($0.name.dropFirst(prefix.count)), reason: $0.reason) : $0 })
        }
    }

    /// The one write path of ``update(id:patch:by:precondition:)`` and the staff routes: `patch`
    /// computed from the station as committed now, merged into it and validated whole.
    private func rewrite(id: String, by actor: StaffToken, precondition: Precondition?, _ patchOf: (Station) throws -> [String: Any]) throws -> Station {
        let counties = finder.snapshot.counties
        let (station, changed) = try database.writing { db -> (Station, Bool) in
            try database.lockRegister(in: db)
            // In this order: the caller's rights, then the change itself (400), then whether it
            // was made against the current version (412), then whether the station may change (409).
            let current = try current(id: id, by: actor, in: db)
            let merged = StationDraft.merge(try patchOf(current), into: StationDraft.object(of: current)) as? [String: Any] ?? [:]
            // Only a new member needs the history (the highest id ever given).
            let adds = (merged["staff"] as? [[String: Any]])?.contains { $0["id"] == nil } ?? false
            let issued = adds ? try staffIssued(stationID: id, in: db) : 0
            let validated = try StationDraft.validate(merged, id: id, counties: counties, staff: current.staff, staffIssued: issued)
            try authorize(actor, county: validated.station.countyCode)
            try precondition?(current)
            try requireActive(current)
            guard validated.station != current else { return (current, false) }
            try checkNearby(validated, excluding: id, counties: counties, in: db)
            try checkDuplicate(validated, excluding: id, in: db)
            _ = try database.upsert([validated.station], actor: actor.name, action: "update", reason: nil, in: db)
            return (validated.station, true)
        }
        if changed { try swapInCommitted() }
        return station
    }

    /// The highest staff number the station ever gave, from its history (every write records
    /// the station after it), so that a removed member's id is not given again.
    private func staffIssued(stationID: String, in db: any SQLSession) throws -> Int {
        try StationHistoryRecord.entries(stationID: stationID, in: db)
            .flatMap { [$0.before, $0.after].compactMap { $0 }.flatMap(\.properties.staff) }
            .compactMap { StaffMember.number(of: $0.id) }.max() ?? 0
    }

    /// Retires a station (no hard deletes: the row and its history stay) and, in the same
    /// transaction, hands its open complaints to the stations the assignment policy picks
    /// (see ``RetirementHandOver``); a complaint in mediation or with a confirmed session moves
    /// only with `force`.
    /// - Returns: the retired station and the numbers of the complaints handed over.
    @discardableResult
    public func retire(id: String, reason: String, force: Bool = false, by actor: StaffToken,
                       precondition: Precondition? = nil) throws -> (station: Station, handedOver: [String]) {
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...500).contains(reason.count) else {
            throw InvalidInput(name: "reason", reason: "expected 1 to 500 characters saying why the station is retired")
        }
        let retired = try database.writing { db in
            try database.lockRegister(in: db)
            var station = try current(id: id, by: actor, in: db)
            try precondition?(station)
            try requireActive(station)
            station.status = .retired
            _ = try database.upsert([station], actor: actor.name, action: "retire", reason: reason, in: db)
            return (station, try handOver(from: station, reason: reason, force: force, actor: actor.name, in: db))
        }
        try swapInCommitted()
        return retired
    }

    /// The station's open complaints, handed on; without a desk, refused if there are any.
    private func handOver(from station: Station, reason: String, force: Bool, actor: String, in db: any SQLSession) throws -> [String] {
        if let handOver { return try handOver.handOver(from: station, reason: reason, force: force, actor: actor, in: db) }
        let held = try String.fetchAll(db, sql: "SELECT number FROM complaints WHERE station_id = ? AND status IN ('assigned', 'accepted', 'mediating') ORDER BY number LIMIT 100",
                                       arguments: [station.id])
        guard held.isEmpty else {
            throw RetirementConflict(stationID: station.id, complaints: held.map { ($0, "open, and no complaint desk here to hand it on") })
        }
        return []
    }

    /// Every recorded change of a station, oldest first.
    public func history(id: String) throws -> [StationHistoryEntry] {
        try database.reading { db in
            guard try database.station(id: id, in: db) != nil else { throw NotFound(what: "station", id: id) }
            return try StationHistoryRecord.entries(stationID: id, in: db)
        }
    }

    /// Imports stations (upsert by id) in one transaction, then refreshes the index. A station
    /// the import retires hands its open complaints on as ``retire(id:reason:force:by:precondition:)`` does.
    public func importStations(_ stations: [Station], force: Bool = false, by actor: StaffToken) throws -> LiaisonDatabase.ImportCounts {
        guard actor.role.isAdmin else { throw Forbidden(description: "importing stations needs an admin token; \(actor.name) is \(actor.role)") }
        let counts = try database.writing { db in
            try database.lockRegister(in: db)
            var retiring: [Station] = []
            for station in stations where station.status == .retired {
                if try database.station(id: station.id, in: db)?.status == .active { retiring.append(station) }
            }
            let counts = try database.upsert(stations, actor: actor.name, action: "import", reason: nil, in: db)
            for station in retiring {
                _ = try handOver(from: station, reason: "retired by an import", force: force, actor: actor.name, in: db)
            }
            return counts
        }
        try swapInCommitted()
        return counts
    }

    /// The station's row as committed now, if `actor` may write it.
    private func current(id: String, by actor: StaffToken, in db: any SQLSession) throws -> Station {
        guard let current = try database.station(id: id, in: db) else { throw NotFound(what: "station", id: id) }
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
    private func checkNearby(_ validated: StationDraft.Validated, excluding id: String?, counties: CountyLocator, in db: any SQLSession) throws {
        guard !validated.allowNearby else { return }
        let location = validated.station.location
        let candidates = try database.activeStations(around: location, meters: 2 * StationDraft.nearbyMeters, in: db)
        let query = try NearestQuery.validated(latitude: location.latitude, longitude: location.longitude,
                                               limit: 2, radiusKilometers: StationDraft.nearbyMeters / 1000, counties: counties)
        if let near = StationSnapshot(stations: candidates, counties: []).nearest(query).first(where: { $0.station.id != id }) {
            throw NearbyConflict(other: near.station, distanceMeters: near.distanceMeters)
        }
    }

    /// Refuses a draft that repeats an active station: the same normalised name within
    /// ``StationDraft/sameNameMeters`` (measured exactly), or a staff mobile that station lists.
    /// Reads the active stations inside the write transaction (a province is a few thousand rows).
    private func checkDuplicate(_ validated: StationDraft.Validated, excluding id: String?, in db: any SQLSession) throws {
        guard !validated.allowDuplicate else { return }
        let draft = validated.station
        let name = StationDraft.normalisedName(draft.name)
        let near = try database.activeStations(around: draft.location, meters: 2 * StationDraft.sameNameMeters, in: db)
        for other in near where other.id != id && StationDraft.normalisedName(other.name) == name {
            let meters = Geodesic.wgs84.distanceMeters(from: draft.location, to: other.location)
            if meters <= StationDraft.sameNameMeters {
                throw DuplicateConflict(other: other, why: "has the same name \(String(format: "%.0f", meters)) m away")
            }
        }
        let mobiles = Set(draft.staff.map(\.mobile))
        // The whole province: a box reaching past Zhejiang in every direction.
        for other in try database.activeStations(around: draft.location, meters: 1_500_000, in: db) where other.id != id {
            if let shared = other.staff.first(where: { mobiles.contains($0.mobile) }) {
                throw DuplicateConflict(other: other, why: "lists the same staff mobile (\(MobileNumber.masked(shared.mobile)), \(shared.name))")
            }
        }
    }

    /// Reads the register after a commit and swaps the new snapshot in (unless a newer one already is).
    private func swapInCommitted() throws {
        finder.offer(try database.snapshot())
    }
}

/// What the register's writes need of a store, inside its write transactions; the rules
/// (validation, rights, the nearby check, preconditions) are ``StationRegistry``'s, the same on
/// every store.
public protocol RegisterStore: SQLStore {
    /// Makes register writes take turns until the commit (the nearby check and the next id
    /// read what another write could change). SQLite's IMMEDIATE transactions already do.
    func lockRegister(in db: any SQLSession) throws
    /// The station as committed now (locked until the commit, where rows are locked).
    func station(id: String, in db: any SQLSession) throws -> Station?
    /// Active stations in a box reaching at least `meters` from `center` every way: the
    /// candidates for an exact distance check.
    func activeStations(around center: Coordinate, meters: Double, in db: any SQLSession) throws -> [Station]
    /// Inserts new stations and updates changed ones, each change with its history row;
    /// identical ones are left alone.
    func upsert(_ stations: [Station], actor: String, action: String, reason: String?, in db: any SQLSession) throws -> LiaisonDatabase.ImportCounts
    /// The whole register as committed now.
    func snapshot() throws -> StationSnapshot
    /// Every station, active and retired, sorted by id.
    func stations() throws -> [Station]
}

extension RegisterStore {
    /// Inserts or updates stations by id (an import file), all in one transaction, recording each change.
    public func importStations(_ stations: [Station], actor: String = "import") throws -> LiaisonDatabase.ImportCounts {
        try writing { db in
            try lockRegister(in: db)
            return try upsert(stations, actor: actor, action: "import", reason: nil, in: db)
        }
    }

    /// Records one change of a station in its append-only history.
    public func appendHistory(stationID: String, actor: String, action: String, reason: String?, before: Station?, after: Station,
                              at: Date, in db: any SQLSession) throws {
        try StationHistoryRecord.append(stationID: stationID, actor: actor, action: action, reason: reason, before: before, after: after, at: at, in: db)
    }

    /// The next free id in a county: `ADCODE-NNNN`, one above the highest in use.
    public func nextStationID(county: String, in db: any SQLSession) throws -> String {
        let highest = try Int.fetchOne(db, sql: "SELECT max(CAST(substr(id, 8) AS INTEGER)) FROM stations WHERE county_code = ?", arguments: [county]) ?? 0
        guard highest < 9999 else { throw StoreError(message: "county \(county) has no free station id left (9999 in use)") }
        return county + "-" + String(format: "%04d", highest + 1)
    }
}

extension LiaisonDatabase: RegisterStore {
    public func lockRegister(in db: any SQLSession) throws {}

    public func station(id: String, in db: any SQLSession) throws -> Station? {
        try StationRecord.station(try Self.spatiaLite(db), id: id)
    }

    public func activeStations(around center: Coordinate, meters: Double, in db: any SQLSession) throws -> [Station] {
        try StationRecord.activeStations(around: center, meters: meters, in: try Self.spatiaLite(db))
    }

    public func upsert(_ stations: [Station], actor: String, action: String, reason: String?, in db: any SQLSession) throws -> ImportCounts {
        try StationRecord.upsert(stations, actor: actor, action: action, reason: reason, in: try Self.spatiaLite(db))
    }

    /// The SQLite connection behind a session of this store (the register's points are SpatiaLite geometry).
    static func spatiaLite(_ db: any SQLSession) throws -> Database {
        guard let db = db as? Database else { throw StoreError(message: "the SpatiaLite register needs a SpatiaLite session") }
        return db
    }
}

/// One recorded change of a station.
public struct StationHistoryEntry: Sendable, Hashable, Codable {
    /// The entry with the staff's mobile numbers masked, before and after.
    public func maskingStaffMobiles() -> StationHistoryEntry {
        StationHistoryEntry(seq: seq, station_id: station_id, at: at, actor: actor, action: action, reason: reason,
                            before: before?.maskingStaffMobiles(), after: after.maskingStaffMobiles())
    }

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
