import Foundation
import GRDB
import Geodesy
import LiaisonCore

/// Groups complaints by merchant, links a consumer's repeats, and lists merchant hot spots.
///
/// A complaint's merchant case is the case with its credit code, else the nearest case with
/// the same name key (``Merchant/nameKey(_:)``) within ``Merchant/sameNameWithinMeters`` of
/// where the case began (whose code is unknown or the same), else a new case. A complaint
/// with a code joining an uncoded case gives the case its code.
enum MerchantCases {
    static func caseID(for intake: ComplaintIntake, countyCode: String, at: Date, in db: any SQLSession) throws -> Int64 {
        let code = intake.merchantCode
        if let code, let id = try Int64.fetchOne(db, sql: "SELECT id FROM merchant_cases WHERE merchant_code = ?", arguments: [code]) {
            return id
        }
        let key = Merchant.nameKey(intake.merchantName)
        let p = intake.location
        // A box that holds every point within the distance (degrees of latitude are at least
        // 110.5 km; of longitude, that times the cosine), then the exact geodesic.
        let dLat = Merchant.sameNameWithinMeters / 110_500
        let dLng = dLat / cos(min(89, abs(p.latitude) + dLat) * .pi / 180)
        let nearby = try Row.fetchAll(db, sql: """
            SELECT id, merchant_code, lat, lng FROM merchant_cases
            WHERE merchant_key = ? AND lat BETWEEN ? AND ? AND lng BETWEEN ? AND ? ORDER BY id LIMIT 100
            """, arguments: [key, p.latitude - dLat, p.latitude + dLat, p.longitude - dLng, p.longitude + dLng])
        var best: (id: Int64, distance: Double, coded: Bool)?
        for row in nearby {
            let caseCode: String? = row["merchant_code"]
            guard caseCode == nil || code == nil else { continue }   // two different codes: two merchants
            let d = Geodesic.wgs84.distanceMeters(from: p, to: Coordinate(latitude: row["lat"], longitude: row["lng"]))
            if d <= Merchant.sameNameWithinMeters, best == nil || d < best!.distance { best = (row["id"], d, caseCode != nil) }
        }
        if let best {
            if let code, !best.coded {
                try db.execute(sql: "UPDATE merchant_cases SET merchant_code = ? WHERE id = ?", arguments: [code, best.id])
            }
            return best.id
        }
        return try db.insertReturningKey(sql: """
            INSERT INTO merchant_cases (merchant_code, merchant_key, name, county_code, lat, lng, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)
            """, arguments: [code, key, intake.merchantName, countyCode, p.latitude, p.longitude, Timestamp.string(at)], key: "id")
    }

    /// The consumer's latest complaint in the case within ``Merchant/repeatWithinDays`` before `at`.
    static func repeatOf(phone: String, caseID: Int64, at: Date, in db: any SQLSession) throws -> String? {
        let since = at.addingTimeInterval(-Double(Merchant.repeatWithinDays) * 86_400)
        return try String.fetchOne(db, sql: """
            SELECT number FROM complaints INDEXED BY complaints_by_case
            WHERE merchant_case = ? AND consumer_phone = ? AND submitted_at >= ? AND submitted_at <= ?
            ORDER BY submitted_at DESC, number DESC LIMIT 1
            """, arguments: [caseID, phone, Timestamp.string(since), Timestamp.string(at)])
    }

    /// The consumer's complaints in the case, newest first (at most `limit`), open ones only if asked.
    static func consumerComplaints(phone: String, caseID: Int64, excluding number: String?, openOnly: Bool, limit: Int = 20,
                                   in db: any SQLSession) throws -> [ConsumerComplaintRef] {
        try Row.fetchAll(db, sql: """
            SELECT number, status, submitted_at FROM complaints INDEXED BY complaints_by_case
            WHERE merchant_case = ? AND consumer_phone = ? AND number != ?\(openOnly ? " AND status NOT IN ('closed', 'withdrawn')" : "")
            ORDER BY submitted_at DESC, number DESC LIMIT ?
            """, arguments: [caseID, phone, number ?? "", limit]).map {
            ConsumerComplaintRef(number: $0["number"], status: $0["status"], submitted_at: Timestamp.shanghai(stored: $0["submitted_at"]))
        }
    }

    /// What staff see of a complaint's case: its size and who else complained (counted, not named).
    static func summary(caseID: Int64, in db: any SQLSession) throws -> ComplaintLinks.Case? {
        guard let row = try Row.fetchOne(db, sql: """
            SELECT m.id, m.name, m.merchant_code, count(c.number) AS complaints, count(DISTINCT c.consumer_phone) AS consumers,
                   min(c.submitted_at) AS first_at, max(c.submitted_at) AS last_at
            FROM merchant_cases m JOIN complaints c ON c.merchant_case = m.id WHERE m.id = ? GROUP BY m.id
            """, arguments: [caseID]) else { return nil }
        return ComplaintLinks.Case(id: row["id"], merchant_name: row["name"], merchant_code: row["merchant_code"],
                                   complaints: row["complaints"], consumers: row["consumers"], first_at: Timestamp.shanghai(stored: row["first_at"]), last_at: Timestamp.shanghai(stored: row["last_at"]))
    }

    /// Gives every complaint filed before merchant cases existed its case and repeat link, in
    /// the order they were filed. Runs once, in the migration that adds the columns.
    static func backfill(_ db: Database) throws {
        // Only the columns of that migration's time: later migrations add more.
        let rows = try Row.fetchCursor(db, sql: """
            SELECT number, consumer_name, consumer_phone, merchant_name, merchant_code, lat, lng, county_code, category, description,
                   preferred_mode, submitted_at
            FROM complaints ORDER BY submitted_at, number
            """)
        while let row = try rows.next() {
            let number: String = row["number"]
            guard let submittedAt = Timestamp.parse(row["submitted_at"]),
                  let category = ComplaintCategory(rawValue: row["category"]), let mode = MediationMode(rawValue: row["preferred_mode"]) else {
                throw StoreError(message: "complaint \(number) is malformed: it cannot be given a merchant case")
            }
            let intake = ComplaintIntake(location: Coordinate(latitude: row["lat"], longitude: row["lng"]), consumerName: row["consumer_name"],
                                         consumerPhone: row["consumer_phone"], merchantName: row["merchant_name"], merchantCode: row["merchant_code"],
                                         category: category, description: row["description"], preferredMode: mode)
            let id = try caseID(for: intake, countyCode: row["county_code"], at: submittedAt, in: db)
            let previous = try repeatOf(phone: intake.consumerPhone, caseID: id, at: submittedAt, in: db)
            try db.execute(sql: "UPDATE complaints SET merchant_key = ?, merchant_case = ?, repeat_of = ? WHERE number = ?",
                           arguments: [Merchant.nameKey(intake.merchantName), id, previous, number])
        }
    }
}

/// Merchant hot spots: the merchant cases with the most complaints in a county and period.
public struct MerchantHotspots: Sendable {
    let database: any SQLStore
    public let finder: StationFinder

    public init(database: any SQLStore, finder: StationFinder) {
        self.database = database
        self.finder = finder
    }

    public struct Hotspot: Sendable, Encodable, Hashable {
        public let case_id: Int64
        public let merchant_name: String
        public let merchant_code: String?
        /// Where the case's first complaint was (WGS-84).
        public let location: NearestResponse.Point
        public let county_code: String
        public let county_name: String
        /// In the period and county asked for.
        public let complaints: Int
        public let consumers: Int
        /// Complaints that repeat the same consumer's earlier one about this merchant.
        public let repeats: Int
        /// Complaints by category.
        public let categories: [String: Int]
        public let first_at: String
        public let last_at: String
    }

    public struct Page: Sendable, Encodable {
        public let county: String?
        public let from: String
        public let to: String
        public let min_complaints: Int
        public let limit: Int
        public let offset: Int
        public let hotspots: [Hotspot]
        /// The offset of the next page, or nil on the last one.
        public let next_offset: Int?
    }

    /// A checked hot-spot query.
    public struct Query: Sendable, Hashable {
        public var countyCode: String?
        public var from: Date
        public var to: Date
        public var minimum: Int
        public var limit: Int
        public var offset: Int
    }

    /// Checks a hot-spot query as a caller wrote it (HTTP parameters or CLI options, by these
    /// names); every bad field is reported. With one of `from` and `to`, the other is 30 days
    /// away; with neither, the period is the last 30 days.
    ///
    /// - Throws: ``InvalidInput`` naming `county`, `from`, `to`, `min`, `limit` or `offset`.
    public static func query(county: String?, from: String?, to: String?, min: String?, limit: String?, offset: String?, now: Date,
                             in snapshot: StationSnapshot) throws(InvalidInput) -> Query {
        var problems: [InvalidParameter] = []
        // The bounds are read one at a time: an empty period (from = to) is no error, only empty.
        var period = ComplaintStats.Filter()
        do {
            period = try ComplaintStats.filter(county: county, from: from, in: snapshot)
        } catch {
            problems += error.parameters
        }
        do {
            period.to = try ComplaintStats.filter(to: to, in: snapshot).to
        } catch {
            problems += error.parameters
        }
        func integer(_ name: String, _ text: String?, default value: Int, _ range: ClosedRange<Int>) -> Int {
            guard let text else { return value }
            guard text.utf8.allSatisfy({ (48...57).contains($0) }), let n = Int(text), range.contains(n) else {
                problems.append(InvalidParameter(name: name, reason: "\"\(text)\" is not allowed: expected a whole number from \(range.lowerBound) to \(range.upperBound)"))
                return value
            }
            return n
        }
        let minimum = integer("min", min, default: 2, 1...10_000)
        let pageSize = integer("limit", limit, default: 50, 1...maxLimit)
        let skip = integer("offset", offset, default: 0, 0...100_000)
        // One bound given: the other is 30 days away from it; none: the last 30 days.
        let month = 30 * 86_400.0
        let end = period.to ?? period.from.map { $0.addingTimeInterval(month) } ?? now
        let start = period.from ?? end.addingTimeInterval(-month)
        if problems.isEmpty, start > end {
            problems.append(InvalidParameter(name: "to", reason: "\(to ?? "") is before from \(from ?? ""): expected from at or before to"))
        } else if problems.isEmpty, end.timeIntervalSince(start) > Double(maxPeriodDays) * 86_400 {
            problems.append(InvalidParameter(name: "from", reason: "the period is longer than \(maxPeriodDays) days: ask for at most a year at a time"))
        }
        guard problems.isEmpty else { throw InvalidInput(problems) }
        return Query(countyCode: period.countyCode, from: start, to: end, minimum: minimum, limit: pageSize, offset: skip)
    }

    /// The hot spots a staff token may see: a county token its own county (the default), an
    /// admin any county or the whole province.
    ///
    /// - Throws: ``ComplaintDesk/Forbidden``.
    public func list(_ query: Query, by staff: StaffToken) throws -> Page {
        var query = query
        if case .county(let own) = staff.role {
            if let county = query.countyCode, county != own {
                throw ComplaintDesk.Forbidden(description: "token \(staff.name) (\(staff.role)) may not see the hot spots of county \(county): only of \(own)")
            }
            query.countyCode = own
        }
        return try list(query)
    }

    public func list(_ q: Query) throws -> Page {
        try list(countyCode: q.countyCode, from: q.from, to: q.to, minimum: q.minimum, limit: q.limit, offset: q.offset)
    }

    /// The longest period one list covers, so that a list never reads more than a year of complaints.
    public static let maxPeriodDays = 366
    public static let maxLimit = 200

    /// Cases with at least `minimum` complaints submitted in [from, to) in the county (or the
    /// province), most complaints first (ties by case id).
    public func list(countyCode: String?, from: Date, to: Date, minimum: Int = 2, limit: Int = 50, offset: Int = 0) throws -> Page {
        var clause = "c.submitted_at >= ? AND c.submitted_at < ? AND c.merchant_case IS NOT NULL"
        var args = [Timestamp.string(from), Timestamp.string(to)]
        if let countyCode { clause += " AND c.county_code = ?"; args.append(countyCode) }
        let whereClause = clause, bound = args
        let counties = finder.snapshot.counties
        let (hotspots, more) = try database.reading { db in
            let rows = try Row.fetchAll(db, sql: """
                SELECT m.id AS id, count(*) AS complaints, count(DISTINCT c.consumer_phone) AS consumers,
                       count(c.repeat_of) AS repeats, min(c.submitted_at) AS first_at, max(c.submitted_at) AS last_at,
                       m.name, m.merchant_code, m.lat, m.lng, m.county_code
                FROM complaints c JOIN merchant_cases m ON m.id = c.merchant_case
                WHERE \(whereClause) GROUP BY m.id HAVING count(*) >= \(minimum)
                ORDER BY complaints DESC, id LIMIT \(limit + 1) OFFSET \(offset)
                """, arguments: StatementArguments(bound))
            let page = rows.prefix(limit)
            var byCase: [Int64: [String: Int]] = [:]
            if !page.isEmpty {
                let ids = page.map { $0["id"] as Int64 }
                let categories = try Row.fetchAll(db, sql: """
                    SELECT c.merchant_case AS id, c.category, count(*) AS n FROM complaints c
                    WHERE \(whereClause) AND c.merchant_case IN (\(ids.map(String.init).joined(separator: ", "))) GROUP BY 1, 2
                    """, arguments: StatementArguments(bound))
                for row in categories { byCase[row["id"], default: [:]][row["category"]] = row["n"] }
            }
            let hotspots = page.map { row in
                let id: Int64 = row["id"]
                let county: String = row["county_code"]
                return Hotspot(case_id: id, merchant_name: row["name"], merchant_code: row["merchant_code"],
                               location: .shown(Coordinate(latitude: row["lat"], longitude: row["lng"]), in: .wgs84),
                               county_code: county, county_name: counties.county(code: county)?.name ?? "",
                               complaints: row["complaints"], consumers: row["consumers"], repeats: row["repeats"],
                               categories: byCase[id] ?? [:], first_at: row["first_at"], last_at: row["last_at"])
            }
            return (hotspots, rows.count > limit)
        }
        return Page(county: countyCode, from: Timestamp.string(from), to: Timestamp.string(to), min_complaints: minimum, limit: limit,
                    offset: offset, hotspots: hotspots, next_offset: more ? offset + limit : nil)
    }
}
