import Foundation
import GRDB
import LiaisonCore

/// The official holiday schedules of later years, entered without a release, and the
/// recomputation of the provisional deadlines they settle.
extension ComplaintDesk {
    /// Brings the clock up to the notices stored in `calendar_notices` (a cheap check of their
    /// count and last import; they are parsed again only when it moved).
    func refreshClock(_ db: any SQLSession) throws {
        let key = try String.fetchOne(db, sql: "SELECT count(*) || '/' || coalesce(max(imported_at), '') FROM calendar_notices") ?? ""
        guard key != clockCache.withLock({ $0.key }) else { return }
        let notices = try storedNotices(db)
        let clock = ServiceClock(rules: settings.serviceClock.rules, calendar: settings.serviceClock.calendar.with(imported: notices))
        clockCache.withLock { $0 = (key, clock, clock.calendar.daysOff) }
    }

    private func storedNotices(_ db: any SQLSession) throws -> [CalendarNotice] {
        guard let law = settings.serviceClock.calendar.law else { return [] }
        return try Row.fetchAll(db, sql: "SELECT year, body FROM calendar_notices ORDER BY year").map { row in
            do {
                return try CalendarNotice(json: row["body"], law: law, firstYear: settings.serviceClock.calendar.lastDay.year + 1)
            } catch {
                throw StoreError(message: "calendar_notices of \(row["year"] as Int? ?? 0) no longer validates: \(error)")
            }
        }
    }

    /// What importing a notice did.
    public struct NoticeImport: Sendable {
        public let year: Int
        /// False when the same notice was already stored: nothing changed.
        public let changed: Bool
        /// The open complaints whose provisional deadlines were looked at, and those whose dates moved.
        public let examined: Int
        public let moved: [String]
    }

    /// Validates and stores a year's notice, then, in the same transaction, recomputes every
    /// provisional deadline of the open complaints: a date that moves is recorded as a
    /// `deadline_update` event with the old and new deadline (and texted to the consumer), and a
    /// deadline no longer counted by the law alone loses its provisional mark.
    ///
    /// - Throws: ``InvalidInput`` naming the bad entry; nothing is written then.
    public func importNotice(_ json: Data, by actor: String) throws -> NoticeImport {
        guard let law = settings.serviceClock.calendar.law else {
            throw StoreError(message: "the working calendar has no law layer (geodata/statutory-holidays.json)")
        }
        let notice = try CalendarNotice(json: json, law: law, firstYear: settings.serviceClock.calendar.lastDay.year + 1)
        return try database.writing { db in
            let snapshot = try current(in: db)
            if let stored = try Data.fetchOne(db, sql: "SELECT body FROM calendar_notices WHERE year = ?", arguments: [notice.year]),
               stored == notice.canonical {
                return NoticeImport(year: notice.year, changed: false, examined: 0, moved: [])
            }
            let at = now()
            try db.execute(sql: """
                INSERT INTO calendar_notices (year, source, body, imported_at, imported_by) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(year) DO UPDATE SET source = excluded.source, body = excluded.body,
                    imported_at = excluded.imported_at, imported_by = excluded.imported_by
                """, arguments: [notice.year, notice.source, notice.canonical, Timestamp.string(at), actor])
            try refreshClock(db)
            let (examined, moved) = try recompute(reason: "the \(notice.year) schedule: \(notice.source)", snapshot: snapshot, at: at, in: db)
            return NoticeImport(year: notice.year, changed: true, examined: examined, moved: moved)
        }
    }

    /// Counts again the deadlines of open complaints that are provisional, or that are missing
    /// (set before the law layer existed, when the calendar did not reach them): at start, and
    /// after a notice is imported. Returns how many were examined and which moved.
    @discardableResult
    public func recomputeDeadlines(reason: String) throws -> (examined: Int, moved: [String]) {
        // Read first: a start with nothing to count again (the usual case) takes no write lock,
        // which another process under load may hold for a long while (tools/killtest).
        guard try database.reading({ db in try !ComplaintRecord.complaints(db, sql: Self.needsRecount, arguments: [], limit: 1).isEmpty }) else {
            return (0, [])
        }
        return try database.writing { db in
            let snapshot = try current(in: db)
            return try recompute(reason: reason, snapshot: snapshot, at: now(), in: db)
        }
    }

    /// Open complaints whose deadlines are counted again: provisional, or missing.
    static let needsRecount = """
        WHERE status NOT IN ('closed', 'withdrawn', 'with_enterprise', 'settlement_offered')
          AND (provisional_deadlines != 0 OR (acceptance_by IS NULL AND accepted_at IS NULL)
               OR (mediation_by IS NULL AND status IN ('accepted', 'mediating')))
        """

    private func recompute(reason: String, snapshot: StationSnapshot, at: Date, in db: any SQLSession) throws -> (examined: Int, moved: [String]) {
        let clock = self.clock
        var moved: [String] = []
        // Bounded: open complaints with a provisional mark or a missing deadline.
        let open = try ComplaintRecord.complaints(db, sql: Self.needsRecount, arguments: [], limit: 100_000)
        for var complaint in open {
            let events = try ComplaintRecord.events(db, number: complaint.number)
            var changes: [String] = []
            let accepted = complaint.milestones.acceptedAt != nil
            // Mediation runs from the last acceptance, unless a reopen came after it (the clock
            // then waits for the next acceptance). A missing deadline is set only while it runs.
            let lastAccept = events.last { $0.action == .accept }
            let reopenedSince = events.contains { $0.action == .reopen && $0.seq > (lastAccept?.seq ?? 0) }
            let mediationStart = reopenedSince ? nil : lastAccept?.at
            let mediationRuns = complaint.status == .accepted || complaint.status == .mediating
            for (kind, name, period, start, applies) in [
                (ServiceDeadline.acceptance, "acceptance", clock.rules.acceptance, Self.acceptanceStart(complaint), !accepted || complaint.deadlines.acceptanceBy != nil),
                (ServiceDeadline.mediation, "mediation", clock.rules.mediation, mediationStart,
                 complaint.deadlines.mediationBy != nil || mediationRuns),
            ] {
                let old = complaint.deadline(kind)
                guard applies, let start, old == nil || complaint.deadlines.provisional.contains(kind) else { continue }
                guard let (deadline, provisional) = try? clock.counted(period, from: start) else { continue }
                if provisional { complaint.deadlines.provisional.insert(kind) } else { complaint.deadlines.provisional.remove(kind) }
                guard deadline != old else { continue }
                if kind == .acceptance { complaint.deadlines.acceptanceBy = deadline } else { complaint.deadlines.mediationBy = deadline }
                // A later deadline is not overdue any more until it passes.
                if deadline > at { complaint.overdueReported.remove(kind) }
                changes.append("\(name) \(old.map(Timestamp.string) ?? "not set") → \(Timestamp.string(deadline))" + (provisional ? " (provisional)" : ""))
            }
            if changes.isEmpty {
                try ComplaintRecord.update(complaint, in: db)
                continue
            }
            var appended: [ComplaintEvent] = []
            try workflow.transition(&complaint, .deadline_update, party: .system, actor: "system", note: changes.joined(separator: "; ") + " (\(reason))",
                           stationID: nil, at: at, events: &appended)
            try save(complaint, events: appended, inserting: false, snapshot: snapshot, at: at, in: db)
            moved.append(complaint.number)
        }
        return (open.count, moved)
    }

    /// When the acceptance clock started: intake, or leaving the enterprise of the direct train.
    static func acceptanceStart(_ c: Complaint) -> Date? {
        let left: Set<Complaint.DirectTrain.Outcome> = [.declined, .timed_out, .rejected, .recalled]
        if let train = c.directTrain, let outcome = train.outcome, left.contains(outcome) { return train.endedAt }
        return c.directTrain == nil ? c.submittedAt : nil
    }

    /// The working calendar of a year, day by day, with where each answer comes from.
    public func calendarYear(_ year: Int) throws -> [(day: LocalDate, working: Bool, source: String, name: String?)] {
        try database.reading { db in try refreshClock(db) }
        let calendar = clock.calendar
        guard let first = LocalDate(year: year, month: 1, day: 1), calendar.coverage ~= first else {
            throw InvalidInput(name: "year", reason: "\(year) is not covered: expected \(calendar.coverage.lowerBound.year) to \(calendar.coverage.upperBound.year)")
        }
        var days: [(LocalDate, Bool, String, String?)] = []
        var day = first
        while day.year == year {
            let working = try calendar.isWorkingDay(day)
            let name = calendar.holidays[day] ?? calendar.adjustedWorkingDays[day] ?? calendar.imported[year]?.holidays[day]
                ?? calendar.imported[year]?.adjustedWorkingDays[day] ?? (calendar.source(of: day) == "law" ? calendar.law?.days[day] : nil)
            days.append((day, working, calendar.source(of: day), name))
            day = day.adding(days: 1)
        }
        return days
    }
}
