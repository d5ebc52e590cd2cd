import Foundation

/// Computes a complaint's deadlines from the ``ServiceLevelRules`` and the ``WorkingCalendar``.
///
/// Every deadline is an exclusive bound: a step is overdue when now >= its deadline.
///
/// ```swift
/// let clock = ServiceClock(rules: .defaults, calendar: calendar)
/// // Submitted 2026-09-30 15:00 +08:00, the last working day before National Day:
/// let d = try clock.deadlines(submittedAt: submitted)
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

    /// The deadlines that start at submission: dispatch to a station, first response to the
    /// consumer, and the decision whether to accept the complaint.
    /// - Throws: ``ServiceClockError`` naming the rule whose working days the calendar does not cover.
    public func deadlines(submittedAt: Date) throws(ServiceClockError) -> (dispatchBy: Date, respondBy: Date, acceptanceBy: Date) {
        (dispatchBy: try deadline(rule: "dispatch", rules.dispatch, from: submittedAt),
         respondBy: try deadline(rule: "first_response", rules.firstResponse, from: submittedAt),
         acceptanceBy: try deadline(rule: "acceptance", rules.acceptance, from: submittedAt))
    }

    /// When mediation ends if the parties have not agreed, counted from acceptance.
    /// - Throws: ``ServiceClockError`` when the calendar does not cover the working days needed.
    public func mediationDeadline(acceptedAt: Date) throws(ServiceClockError) -> Date {
        try deadline(rule: "mediation", rules.mediation, from: acceptedAt)
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

    private func deadline(rule: String, _ period: ServicePeriod, from start: Date) throws(ServiceClockError) -> Date {
        do {
            return try deadline(period, from: start)
        } catch {
            throw ServiceClockError(rule: rule, period: period, startDay: LocalDate(inShanghai: start), cause: error)
        }
    }
}

/// A deadline that could not be computed: which rule, from which day, and why.
public struct ServiceClockError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The rule's key in `service-levels.json` (`acceptance`, `mediation`).
    public let rule: String
    public let period: ServicePeriod
    /// The Asia/Shanghai day the period starts on.
    public let startDay: LocalDate
    public let cause: CalendarError

    public init(rule: String, period: ServicePeriod, startDay: LocalDate, cause: CalendarError) {
        self.rule = rule
        self.period = period
        self.startDay = startDay
        self.cause = cause
    }

    public var description: String {
        "\(rule) deadline (\(period) after \(startDay), Asia/Shanghai): \(cause)"
    }
}
