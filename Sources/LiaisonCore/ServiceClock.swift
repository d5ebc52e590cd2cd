import Foundation

/// Computes a complaint's deadlines from the ``ServiceLevelRules`` and the ``WorkingCalendar``.
///
/// Every deadline is an exclusive bound: a step is overdue when now >= its deadline.
///
/// ```swift
/// let clock = ServiceClock(rules: .defaults, calendar: calendar)
/// // Submitted 2026-09-30 15:00 +08:00, the last working day before National Day:
/// let (d, _) = clock.stationDeadlines(from: submitted)
/// // d.dispatchBy   2026-09-30 17:00 +08:00
/// // d.respondBy    2026-10-01 15:00 +08:00
/// // d.acceptanceBy 2026-10-16 00:00 +08:00 (Oct 8, 9, 10 (an adjusted Saturday), 12, 13, 14, 15)
/// ```
public struct ServiceClock: Sendable {
    public let rules: ServiceLevelRules
    public let calendar: WorkingCalendar

    public init(rules: ServiceLevelRules, calendar: WorkingCalendar) {
        self.rules = rules
        self.calendar = calendar
    }

    /// The clocks a station's handling starts (at intake, or when a complaint leaves the
    /// enterprise it went to first): dispatch to a station, first response to the consumer, and
    /// the decision whether to accept the complaint, with those counted over law-only days marked
    /// provisional. A deadline the calendar cannot reach is left unset; `notes` says why, and
    /// which deadlines are provisional, in the words the complaint's event records.
    public func stationDeadlines(from start: Date) -> (deadlines: Complaint.Deadlines, notes: [String]) {
        var notes: [String] = []
        var provisional: Set<ServiceDeadline> = []
        func deadline(_ kind: ServiceDeadline, _ name: String, _ period: ServicePeriod) -> Date? {
            do {
                let (deadline, isProvisional) = try counted(period, from: start)
                if isProvisional { provisional.insert(kind) }
                return deadline
            } catch {
                notes.append("\(name) deadline not set: \(error)")
                return nil
            }
        }
        var deadlines = Complaint.Deadlines(dispatchBy: deadline(.dispatch, "dispatch", rules.dispatch),
                                            respondBy: deadline(.response, "first_response", rules.firstResponse),
                                            acceptanceBy: deadline(.acceptance, "acceptance", rules.acceptance))
        deadlines.provisional = provisional
        if !provisional.isEmpty {
            notes.append("provisional: " + provisional.names.joined(separator: ", ") + " counted by the law alone (no official schedule for its year yet)")
        }
        return (deadlines, notes)
    }

    /// The end of `period` started at `start`.
    ///
    /// - `.hours(n)`: `start` + n × 3,600 s, wall-clock time (not working hours).
    /// - `.workingDays(n)`: the legal convention that the start day is not counted. Take the
    ///   Asia/Shanghai calendar day of `start`, find the nth working day after it, and return the
    ///   end of that day: 00:00 Asia/Shanghai of the next calendar day. So the time of day of
    ///   `start` does not matter, and a start on a rest day counts from the next working day.
    ///
    /// - Throws: ``CalendarError/outOfRange(_:range:)`` for working days the calendar does not cover.
    public func deadline(_ period: ServicePeriod, from start: Date) throws(CalendarError) -> Date {
        try counted(period, from: start).deadline
    }

    /// The end of `period` started at `start`, and whether it is provisional: counted over a day
    /// that only the law layer answers for (its year's official notice is not loaded yet, so a
    /// weekend swap or an extra day off may still move it). Hours are never provisional.
    public func counted(_ period: ServicePeriod, from start: Date) throws(CalendarError) -> (deadline: Date, provisional: Bool) {
        switch period {
        case .hours(let hours):
            return (start.addingTimeInterval(Double(hours) * 3600), false)
        case .workingDays(let days):
            let (last, provisional) = try calendar.counted(days, after: LocalDate(inShanghai: start))
            return (last.adding(days: 1).startInShanghai, provisional)
        }
    }
}
