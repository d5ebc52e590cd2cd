import Foundation
import GRDB
import LiaisonCore

/// The service-level KPIs regulators track (Shandong's rules and SAMR Order No. 20), over the
/// complaints submitted in a period, for the whole province and by city, county and station.
///
/// ```swift
/// let stats = ComplaintStats(database: db, finder: finder)
/// let filter = try ComplaintStats.filter(county: "330106", from: "2026-03-01", to: "2026-04-01", in: finder.snapshot)
/// let report = try stats.compute(filter: filter, now: Date())
/// ```
///
/// Definitions (every share is `met` of `of`, `share` nil when `of` is 0):
/// - `complaints`: complaints submitted in [from, to) that match the filter.
/// - `dispatched_within_2h`, `accepted_within_7_working_days`: for the dispatch and acceptance
///   clocks, `of` counts the complaints whose clock has stopped (`dispatched_at` set; accepted,
///   or declined (不予受理): the acceptance decision either way) or whose deadline has passed
///   with the clock still running (at `now`, or at the withdrawal for a withdrawn complaint, so
///   a complaint withdrawn before its deadline is not held against anyone); `met` counts those
///   stopped no later than the deadline. A complaint without the deadline (the working-day
///   calendar did not reach it) is left out and counted in `excluded_no_deadline`.
/// - `answered_within_24h`: per assignment, not per complaint (``ComplaintAssignments``). Every
///   handing of a complaint to a station starts that station's own 24-hour clock; `of` counts
///   the assignments answered (accept, refuse, decline, schedule, start_mediation, resolve,
///   fail) or whose deadline passed while the station still held them unanswered; `met` those
///   answered by the deadline. One ended unanswered before its deadline (reassigned, claimed,
///   withdrawn) is not counted. A refusal is the refusing station's answer.
/// - `assignments`: held, answered, refused and still open, per station that held them.
/// - `declined`: complaints ended by 不予受理.
///   The deadlines are the stored ones, from `geodata/service-levels.json` (2 h, 24 h and
///   7 working days as shipped).
/// - `resolution_rate`: resolved of resolved + failed (by mediation outcome).
/// - `median_hours_to_resolution`: the median of `outcome_at - submitted_at` over resolved
///   complaints, hours to 2 decimals; nil when none was resolved.
/// - `satisfaction_rate`: 4 or 5 of the complaints with feedback.
/// - `overdue`: complaints overdue at `now` on a service clock as ``Complaint/overdue(at:)`` says (a deadline
///   passed with its clock still running, closed and withdrawn never), computed rather than
///   read from the `overdue` column, whose bits depend on when the overdue worker last ran.
///
/// A complaint counts for the county it belongs to (``Jurisdiction``: its station's, else its
/// location's), that county's city, and the station holding it now (`station_id`; none while
/// it waits). An assignment counts for its station, that station's county and city, whoever
/// holds the complaint now: `by_station` and `by_county` hold every station and county that
/// held one of the complaints, each for what it did. A county or city filter selects the
/// complaints it holds now and the assignments of its stations; a station filter, the
/// complaints the station holds now and its own assignments.
public struct ComplaintStats: Sendable {
    let database: any SQLStore
    public let finder: StationFinder

    public init(database: any SQLStore, finder: StationFinder) {
        self.database = database
        self.finder = finder
    }

    /// Which complaints a report covers; every field nil covers all of them.
    public struct Filter: Sendable, Hashable {
        /// A county adcode (`complaints.county_code`).
        public var countyCode: String?
        /// A city adcode: the complaints of its counties.
        public var cityCode: String?
        /// The station holding the complaints now.
        public var stationID: String?
        /// Submitted at or after this instant.
        public var from: Date?
        /// Submitted before this instant.
        public var to: Date?

        public init(countyCode: String? = nil, cityCode: String? = nil, stationID: String? = nil, from: Date? = nil, to: Date? = nil) {
            self.countyCode = countyCode
            self.cityCode = cityCode
            self.stationID = stationID
            self.from = from
            self.to = to
        }
    }

    /// Checks the filter as a caller wrote it; every bad field is reported, by these names.
    ///
    /// - Parameters:
    ///   - from: a date `YYYY-MM-DD` (its 00:00 in Asia/Shanghai) or an RFC 3339 instant; inclusive.
    ///   - to: the same; exclusive (`to=2026-04-01` ends with 31 March).
    /// - Throws: ``InvalidInput`` naming `county`, `city`, `station`, `from` or `to`: malformed,
    ///   unknown, or `from` not before `to`. Filters combine with AND: a county outside the city
    ///   given is no error, it selects nothing.
    public static func filter(county: String? = nil, city: String? = nil, station: String? = nil, from: String? = nil, to: String? = nil,
                              in snapshot: StationSnapshot) throws(InvalidInput) -> Filter {
        var problems: [InvalidParameter] = []
        var filter = Filter()
        let counties = snapshot.counties.counties
        if let county {
            if let found = snapshot.counties.county(code: county) {
                filter.countyCode = found.adcode
            } else {
                problems.append(InvalidParameter(name: "county", reason: snapshot.counties.unknown(county)))
            }
        }
        if let city {
            if counties.contains(where: { $0.cityCode == city }) {
                filter.cityCode = city
            } else {
                problems.append(InvalidParameter(name: "city", reason: "\"\(city)\" is not a Zhejiang city adcode: expected 330100 to 331100"))
            }
        }
        if let station {
            if snapshot.station(id: station) != nil {
                filter.stationID = station
            } else {
                problems.append(InvalidParameter(name: "station", reason: "no station \"\(station)\": expected an id ADCODE-NNNN of the register"))
            }
        }
        for (name, text) in [("from", from), ("to", to)] {
            guard let text else { continue }
            guard let instant = instant(text) else {
                problems.append(InvalidParameter(name: name, reason: "\"\(text)\" is not a date: expected YYYY-MM-DD (Asia/Shanghai) or RFC 3339, e.g. 2026-03-01 or 2026-03-01T08:00:00+08:00"))
                continue
            }
            if name == "from" { filter.from = instant } else { filter.to = instant }
        }
        if let start = filter.from, let end = filter.to, start >= end {
            problems.append(InvalidParameter(name: "to", reason: "\(to ?? "") is not after from \(from ?? ""): the period [from, to) would be empty"))
        }
        guard problems.isEmpty else { throw InvalidInput(problems) }
        return filter
    }

    /// `YYYY-MM-DD` as its start in Asia/Shanghai, or an RFC 3339 instant.
    static func instant(_ text: String) -> Date? {
        if let date = LocalDate(text) { return date.startInShanghai }
        return Timestamp.parse(text)
    }

    /// The filter a staff token may see: a county token is confined to its county (the default
    /// when none is given); naming another county, or any city, is forbidden (a city's figures
    /// narrowed to the county would be labelled with the city).
    ///
    /// - Throws: ``ComplaintDesk/Forbidden``.
    public func scoped(_ filter: Filter, to staff: StaffToken) throws -> Filter {
        guard case .county(let own) = staff.role else { return filter }
        var scoped = filter
        if let county = filter.countyCode, county != own {
            throw ComplaintDesk.Forbidden(description: "token \(staff.name) (\(staff.role)) may not see the statistics of county \(county): only of \(own)")
        }
        if let city = filter.cityCode {
            throw ComplaintDesk.Forbidden(description: "token \(staff.name) (\(staff.role)) may not see the statistics of city \(city): only of county \(own) (omit city, or give county=\(own))")
        }
        scoped.countyCode = own
        return scoped
    }

    /// The KPIs of the complaints the filter covers, as they stand at `now`.
    ///
    /// Reads the matching rows once in one read transaction (a consistent snapshot), keeping
    /// only counters per group and the resolution times.
    public func compute(filter: Filter, now: Date) throws -> Report {
        let snapshot = finder.snapshot
        let (whereClause, bound) = Self.whereClause(filter, snapshot: snapshot, submitted: "submitted_at", county: "holding_county", station: "station_id")
        let sql = "SELECT \(ComplaintRecord.columns) FROM complaints" + whereClause
        let assignments = Self.assignmentQuery(filter, snapshot: snapshot)
        let (totals, byCity, byCounty, byStation, byEnterprise) = try database.reading { db in
            var totals = Tally()
            var byCity: [String: Tally] = [:], byCounty: [String: Tally] = [:], byStation: [String: Tally] = [:]
            var byEnterprise: [String: (name: String, train: Report.DirectTrain)] = [:]
            try db.forEachRow(sql: sql, arguments: StatementArguments(bound)) { row in
                let complaint = try ComplaintRecord(row: row).complaint()
                totals.add(complaint, now: now)
                // Counted where it belongs (Jurisdiction): the county of the station holding it.
                let county = Jurisdiction.county(of: complaint)
                byCounty[county, default: Tally()].add(complaint, now: now)
                if let city = snapshot.counties.county(code: county)?.cityCode {
                    byCity[city, default: Tally()].add(complaint, now: now)
                }
                if let station = complaint.stationID { byStation[station, default: Tally()].add(complaint, now: now) }
                if let train = complaint.directTrain { byEnterprise[train.enterpriseCode, default: (train.enterpriseName, Report.DirectTrain())].train.add(train) }
            }
            // Each station's own part: its assignments, counted where the station is.
            try db.forEachRow(sql: assignments.sql, arguments: StatementArguments(assignments.arguments)) { row in
                let part = try Assignment(row: row)
                totals.add(part, now: now)
                byCounty[part.county, default: Tally()].add(part, now: now)
                if let city = snapshot.counties.county(code: part.county)?.cityCode { byCity[city, default: Tally()].add(part, now: now) }
                byStation[part.station, default: Tally()].add(part, now: now)
            }
            return (totals, byCity, byCounty, byStation, byEnterprise)
        }
        let counties = snapshot.counties
        func groups(_ tallies: [String: Tally], name: (String) -> String) -> [Report.Group] {
            tallies.keys.sorted().map { Report.Group(code: $0, name: name($0), metrics: tallies[$0]!.metrics) }
        }
        return Report(
            filter: filter, asOf: now, totals: totals.metrics,
            byCity: groups(byCity) { code in counties.counties.first { $0.cityCode == code }?.cityName ?? "" },
            byCounty: groups(byCounty) { counties.county(code: $0)?.name ?? "" },
            byStation: groups(byStation) { snapshot.station(id: $0)?.name ?? "" },
            byEnterprise: byEnterprise.keys.sorted().map { Report.EnterpriseGroup(credit_code: $0, name: byEnterprise[$0]!.name, direct_train: byEnterprise[$0]!.train) })
    }

    /// One station's part in a complaint: a row of `complaint_assignments`.
    struct Assignment {
        let station: String
        let county: String
        let respondBy: Date?
        let respondedAt: Date?
        let response: ComplaintAction?
        let endedAt: Date?

        init(row: Row) throws {
            station = row["station_id"]
            county = row["county_code"]
            func date(_ column: String) throws -> Date? {
                guard let text: String = row[column] else { return nil }
                guard let date = Timestamp.parse(text) else { throw StoreError(message: "complaint_assignments.\(column) is not a time: \(text)") }
                return date
            }
            respondBy = try date("respond_by")
            respondedAt = try date("responded_at")
            response = (row["response"] as String?).flatMap(ComplaintAction.init(rawValue:))
            endedAt = try date("ended_at")
        }
    }

    /// The assignments a report counts: of the complaints submitted in the period, those of the
    /// filter's stations (its county's, its city's, or the one station).
    static func assignmentQuery(_ filter: Filter, snapshot: StationSnapshot) -> (sql: String, arguments: [String]) {
        let (whereClause, arguments) = whereClause(filter, snapshot: snapshot, submitted: "c.submitted_at", county: "a.county_code", station: "a.station_id")
        let sql = """
            SELECT a.station_id, a.county_code, a.respond_by, a.responded_at, a.response, a.ended_at
            FROM complaint_assignments a JOIN complaints c ON c.number = a.number
            """ + whereClause
        return (sql, arguments)
    }

    /// The filter as ` WHERE …` (empty when it selects everything) over the named columns: the
    /// submission time, the county and the station the rows count for.
    static func whereClause(_ filter: Filter, snapshot: StationSnapshot, submitted: String, county: String, station: String) -> (String, [String]) {
        var clauses: [String] = []
        var arguments: [String] = []
        // Stored timestamps are on the millisecond grid, so comparing them as text with the
        // bound rounded up to a millisecond is exact for both `>=` and `<`.
        if let from = filter.from { clauses.append("\(submitted) >= ?"); arguments.append(millisecondCeiling(from)) }
        if let to = filter.to { clauses.append("\(submitted) < ?"); arguments.append(millisecondCeiling(to)) }
        if let code = filter.countyCode { clauses.append("\(county) = ?"); arguments.append(code) }
        if let city = filter.cityCode {
            let codes = snapshot.counties.counties.filter { $0.cityCode == city }.map(\.adcode)
            clauses.append("\(county) IN (\(codes.map { _ in "?" }.joined(separator: ", ")))")
            arguments += codes
        }
        if let id = filter.stationID { clauses.append("\(station) = ?"); arguments.append(id) }
        return (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "), arguments)
    }

    /// The stored form of the first millisecond at or after `date`. Rounded to whole
    /// microseconds first (exact integers in a Double), so parsing noise in `…00.001Z` cannot
    /// push it to the next millisecond; a quarter of a millisecond is added before
    /// ``Timestamp/string(_:)`` rounds down, so `k / 1000` not being exact cannot make it `k - 1`.
    static func millisecondCeiling(_ date: Date) -> String {
        let milliseconds = ((date.timeIntervalSince1970 * 1_000_000).rounded() / 1000).rounded(.up)
        return Timestamp.string(Date(timeIntervalSince1970: (milliseconds + 0.25) / 1000))
    }

    /// The counters of one group.
    struct Tally {
        var complaints = 0
        var dispatch = Report.DeadlineShare()
        var response = Report.DeadlineShare()
        var acceptance = Report.DeadlineShare()
        var resolution = Report.Share()
        var satisfaction = Report.Share()
        var overdue = 0
        var hoursToResolution: [Double] = []
        var directTrain = Report.DirectTrain()
        var urgent = Report.DeadlineShare()
        var reviews = Report.Reviews()
        var courtHandoffs = 0
        var returnVisits = Report.ReturnVisits()
        var declined = 0
        var assignments = Report.Assignments()

        /// A station's part: its own response clock, judged at `now` or when the assignment ended.
        mutating func add(_ part: Assignment, now: Date) {
            assignments.held += 1
            if part.respondedAt != nil { assignments.answered += 1 }
            if part.response == .refuse { assignments.refused += 1 }
            if part.endedAt == nil { assignments.open += 1 }
            response.add(deadline: part.respondBy, stoppedAt: part.respondedAt, judgedAt: min(part.endedAt ?? now, now))
        }

        mutating func add(_ c: Complaint, now: Date) {
            complaints += 1
            // A running clock is judged at `now`, or at the withdrawal (the last update of a
            // withdrawn complaint: nothing changes it afterwards).
            let judgedAt = c.status == .withdrawn ? min(c.updatedAt, now) : now
            // A complaint the enterprise of the direct train kept (settled, withdrawn, or still
            // with it) never reached the station clocks: they do not apply, rather than missing.
            let leftEnterprise: Set<Complaint.DirectTrain.Outcome> = [.declined, .timed_out, .rejected, .recalled]
            if c.directTrain.map({ $0.outcome.map(leftEnterprise.contains) ?? false }) ?? true {
                dispatch.add(deadline: c.deadlines.dispatchBy, stoppedAt: c.milestones.dispatchedAt, judgedAt: judgedAt)
                // The acceptance decision: 受理, or 不予受理.
                acceptance.add(deadline: c.deadlines.acceptanceBy, stoppedAt: c.milestones.acceptedAt ?? c.decline?.at, judgedAt: judgedAt,
                               provisional: c.deadlines.provisional.contains(.acceptance))
            }
            if let train = c.directTrain { directTrain.add(train) }
            if let u = c.urgent { urgent.add(deadline: u.dueBy, stoppedAt: u.metAt, judgedAt: judgedAt) }
            if c.milestones.outcome != nil || c.directTrain?.outcome == .settled {
                reviews.reviewed.add(met: c.review != nil)
            }
            if let review = c.review {
                switch review.finding {
                case nil:
                    reviews.open += 1
                    if let due = review.dueBy, due <= now { reviews.overdue += 1 }
                case .upheld: reviews.upheld += 1
                case .reopened: reviews.reopened += 1
                }
            }
            if c.courtHandoff != nil { courtHandoffs += 1 }
            if c.status == .declined { declined += 1 }
            if let visit = c.returnVisit {
                returnVisits.queued += 1
                if visit.doneAt != nil { returnVisits.done += 1 }
                if visit.reached == true { returnVisits.reached += 1 }
                if visit.satisfied == true { returnVisits.satisfied += 1 }
            }
            if let outcome = c.milestones.outcome, outcome == .resolved || outcome == .failed {
                resolution.add(met: outcome == .resolved)
                if outcome == .resolved, let at = c.milestones.outcomeAt {
                    hoursToResolution.append(at.timeIntervalSince(c.submittedAt) / 3600)
                }
            }
            if let feedback = c.feedback { satisfaction.add(met: feedback.satisfaction >= 4) }
            // The service clocks; an overdue review is counted under reviews.
            if !c.overdue(at: now).subtracting([.review]).isEmpty { overdue += 1 }
        }

        var metrics: Report.Metrics {
            Report.Metrics(complaints: complaints, dispatch: dispatch, response: response, acceptance: acceptance, resolution: resolution,
                           medianHoursToResolution: Self.median(hoursToResolution).map { ($0 * 100).rounded() / 100 },
                           satisfaction: satisfaction, overdue: overdue, directTrain: directTrain, urgent: urgent, reviews: reviews,
                           courtHandoffs: courtHandoffs, returnVisits: returnVisits, declined: declined, assignments: assignments)
        }

        /// The middle value, or the mean of the two middle ones.
        static func median(_ values: [Double]) -> Double? {
            guard !values.isEmpty else { return nil }
            let sorted = values.sorted()
            let mid = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
        }
    }
}
