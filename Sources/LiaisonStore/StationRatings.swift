import Foundation
import GRDB
import LiaisonCore

/// Station star ratings: computed from the KPIs over a rolling window (``RatingFormula``),
/// kept as an append-only history (a new row only when a station's inputs or the formula
/// change), shown from the snapshot (a new row bumps the register version).
///
/// ```swift
/// let ratings = StationRatings(database: db, finder: finder, formula: rules.ratings)
/// let summary = try ratings.compute(now: Date())
/// ```
public struct StationRatings: Sendable {
    let database: any SQLStore
    public let finder: StationFinder
    public let formula: RatingFormula

    public init(database: any SQLStore, finder: StationFinder, formula: RatingFormula) {
        self.database = database
        self.finder = finder
        self.formula = formula
    }

    public struct Summary: Sendable, Hashable, Encodable {
        public let computed_at: String
        public let window_from: String
        public let window_to: String
        /// Active stations considered.
        public let stations: Int
        /// Of those, rated (enough complaints).
        public let rated: Int
        /// Ratings that changed (rows appended to the history).
        public let changed: Int
    }

    /// Rates every active station at `now` and appends the ratings whose inputs changed.
    public func compute(now: Date) throws -> Summary {
        let from = now.addingTimeInterval(-Double(formula.window_days) * 86_400)
        let report = try ComplaintStats(database: database, finder: finder).compute(filter: ComplaintStats.Filter(from: from, to: now), now: now)
        var inputs: [String: RatingInputs] = [:]
        for group in report.byStation {
            let m = group.metrics
            inputs[group.code] = RatingInputs(complaints: m.complaints, response: .init(met: m.response.met, of: m.response.of),
                                              resolution: .init(met: m.resolution.met, of: m.resolution.of),
                                              satisfaction: .init(met: m.satisfaction.met, of: m.satisfaction.of))
        }
        let formula = self.formula, fingerprint = formula.fingerprint
        let stations = finder.snapshot.activeStations.map(\.id)
        let fixed = inputs
        let (rated, changed) = try database.writing { db in
            let latest = try Self.latestInputs(db)
            var rated = 0, changed = 0
            for id in stations {
                let input = fixed[id] ?? .none
                let result = formula.rate(input)
                if result != nil { rated += 1 }
                if let previous = latest[id], previous.inputs == input, previous.formula == fingerprint { continue }
                try db.execute(sql: """
                    INSERT INTO station_ratings (station_id, computed_at, window_from, window_to, complaints, response_met, response_of,
                        resolution_met, resolution_of, satisfaction_met, satisfaction_of, score, stars, formula)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [id, Timestamp.string(now), Timestamp.string(from), Timestamp.string(now), input.complaints,
                                     input.response.met, input.response.of, input.resolution.met, input.resolution.of,
                                     input.satisfaction.met, input.satisfaction.of, result?.score, result?.stars, fingerprint])
                changed += 1
            }
            try db.execute(sql: "INSERT INTO job_runs (name, last_at) VALUES ('ratings', ?) ON CONFLICT(name) DO UPDATE SET last_at = excluded.last_at",
                           arguments: [Timestamp.string(now)])
            return (rated, changed)
        }
        if changed > 0 { try database.refresh(finder) }
        return Summary(computed_at: Timestamp.string(now), window_from: Timestamp.string(from), window_to: Timestamp.string(now),
                       stations: stations.count, rated: rated, changed: changed)
    }

    /// Computes the ratings unless they were computed already on `now`'s day (Asia/Shanghai):
    /// the watch calls this, so the ratings are renewed once a day whichever process holds it.
    public func computeIfDue(now: Date) throws -> Summary? {
        let last = try database.reading { db in try String.fetchOne(db, sql: "SELECT last_at FROM job_runs WHERE name = 'ratings'") }
        if let last, let at = Timestamp.parse(last), LocalDate(inShanghai: at) == LocalDate(inShanghai: now) { return nil }
        return try compute(now: now)
    }

    /// Each station's latest inputs and formula.
    static func latestInputs(_ db: any SQLSession) throws -> [String: (inputs: RatingInputs, formula: String)] {
        var latest: [String: (RatingInputs, String)] = [:]
        try db.forEachRow(sql: "\(latestRows) ORDER BY r.station_id", arguments: []) { row in latest[row["station_id"]] = (inputs(row), row["formula"]) }
        return latest
    }

    /// The current rating of every station that has one: read into each snapshot.
    public static func current(_ db: any SQLSession) throws -> [String: StationRating] {
        var ratings: [String: StationRating] = [:]
        try db.forEachRow(sql: "\(latestRows) ORDER BY r.station_id", arguments: []) { row in
            let rating = try rating(row)
            ratings[rating.station_id] = rating
        }
        return ratings
    }

    /// A station's rating history, newest first.
    public func history(stationID: String, limit: Int = 100) throws -> [StationRating] {
        guard finder.snapshot.station(id: stationID) != nil else { throw NotFound(what: "station", id: stationID) }
        return try database.reading { db in
            try Row.fetchAll(db, sql: "SELECT * FROM station_ratings WHERE station_id = ? ORDER BY seq DESC LIMIT ?",
                             arguments: [stationID, limit]).map(Self.rating)
        }
    }

    /// A page of a county's active stations by rating: most stars first, then score, then id;
    /// stations not yet rated (or never computed) last.
    public struct Page: Sendable, Encodable {
        public let county: String?
        public let limit: Int
        public let offset: Int
        public let stations: [Entry]
        public let next_offset: Int?

        public struct Entry: Sendable, Encodable {
            public let id: String
            public let name: String
            public let county_code: String
            public let rating: StationRating?
        }
    }

    public static let maxLimit = 500

    /// Ranks from the snapshot's ratings (no database read).
    public func ranking(countyCode: String?, limit: Int = 100, offset: Int = 0) -> Page {
        let snapshot = finder.snapshot
        let stations = snapshot.activeStations.filter { countyCode == nil || $0.countyCode == countyCode }
        func key(_ s: Station) -> (Int, Double) {
            let r = snapshot.ratings[s.id]
            return (r?.stars ?? 0, r?.score ?? -1)
        }
        let ranked = stations.sorted { a, b in
            let ka = key(a), kb = key(b)
            return ka.0 != kb.0 ? ka.0 > kb.0 : ka.1 != kb.1 ? ka.1 > kb.1 : a.id < b.id
        }
        let page = ranked.dropFirst(offset).prefix(limit).map {
            Page.Entry(id: $0.id, name: $0.name, county_code: $0.countyCode, rating: snapshot.ratings[$0.id])
        }
        return Page(county: countyCode, limit: limit, offset: offset, stations: Array(page),
                    next_offset: ranked.count > offset + limit ? offset + limit : nil)
    }

    private static let latestRows = """
        SELECT r.* FROM station_ratings r
        JOIN (SELECT station_id, max(seq) AS seq FROM station_ratings GROUP BY station_id) l ON l.seq = r.seq
        """

    private static func inputs(_ row: Row) -> RatingInputs {
        RatingInputs(complaints: row["complaints"], response: .init(met: row["response_met"], of: row["response_of"]),
                     resolution: .init(met: row["resolution_met"], of: row["resolution_of"]),
                     satisfaction: .init(met: row["satisfaction_met"], of: row["satisfaction_of"]))
    }

    private static func rating(_ row: Row) throws -> StationRating {
        guard let computed = Timestamp.parse(row["computed_at"]), let from = Timestamp.parse(row["window_from"]),
              let to = Timestamp.parse(row["window_to"]) else {
            throw StoreError(message: "station_ratings row \(row["seq"] as Int64? ?? 0) has a malformed timestamp")
        }
        let stars: Int? = row["stars"], score: Double? = row["score"]
        return StationRating(stationID: row["station_id"], inputs: inputs(row), result: stars.flatMap { s in score.map { ($0, s) } },
                             windowFrom: from, windowTo: to, computedAt: computed)
    }
}
