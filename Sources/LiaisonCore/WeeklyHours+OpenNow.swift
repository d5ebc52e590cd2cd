import Foundation

/// Whether a station is open at an instant, and when it next opens, from its weekly hours and
/// the working calendar (Asia/Shanghai, UTC+8 all year).
///
/// The calendar decides which days are working days (see ``WorkingCalendar/isWorkingDay(_:)``);
/// opening follows it:
/// - a weekday that is not a working day (a statutory holiday, or a day off of the State
///   Council's schedule) is closed all day;
/// - a weekend day that is a working day (调休, an adjusted working day) opens with the hours of
///   the nearest weekday: a Saturday with Friday's hours, a Sunday with Monday's;
/// - every other day opens with its own weekday's hours (a station open on Saturdays is open on
///   an ordinary Saturday, holiday season or not);
/// - a day the calendar cannot answer (past the law layer's years) opens with its weekday's hours.
///
/// ```swift
/// let status = station.hours.opening(at: now, calendar: clock.calendar)
/// status.openNow    // false on 2026-10-05, a National Day holiday
/// status.nextOpen   // 2026-10-08 08:30 +08:00
/// ```
public struct OpeningStatus: Sendable, Hashable {
    public let openNow: Bool
    /// The next instant after the asked one at which the station goes from closed to open
    /// (when open now, the opening after this one closes); nil when it opens on none of the
    /// next ``WeeklyHours/lookaheadDays`` days.
    public let nextOpen: Date?
}

extension WeeklyHours {
    /// How far ahead ``opening(at:calendar:)`` looks for the next opening: longer than any run
    /// of holidays (the Spring Festival's 9 days) with a weekly schedule's gaps around it.
    public static let lookaheadDays = 31

    /// The intervals the station is open on `day`, minutes since local midnight, ascending.
    public func intervals(on day: LocalDate, calendar: WorkingCalendar) -> [(start: Int, end: Int)] {
        let weekday = day.weekday
        var scheduleDay = weekday
        if let working = try? calendar.isWorkingDay(day) {
            if !working && !weekday.isWeekend { return [] }
            if working && weekday == .saturday { scheduleDay = .friday }
            if working && weekday == .sunday { scheduleDay = .monday }
        }
        return schedule(for: scheduleDay).compactMap { Self.parse($0).map { (start: $0.0, end: $0.1) } }
    }

    /// Whether the station is open at `instant`, and when it next opens.
    public func opening(at instant: Date, calendar: WorkingCalendar) -> OpeningStatus {
        let today = LocalDate(inShanghai: instant)
        var nextOpen: Date?
        // The interval ending where the walk stands: an interval starting there continues it.
        var previousEnd: Date?
        search: for offset in 0...Self.lookaheadDays {
            let day = today.adding(days: offset)
            let midnight = day.startInShanghai
            for (start, end) in intervals(on: day, calendar: calendar) {
                let opens = midnight.addingTimeInterval(Double(start * 60))
                let closes = midnight.addingTimeInterval(Double(end * 60))
                let isOpening = previousEnd != opens
                previousEnd = closes
                if isOpening, opens > instant {
                    nextOpen = opens
                    break search
                }
            }
        }
        return OpeningStatus(openNow: isOpen(at: instant, calendar: calendar), nextOpen: nextOpen)
    }

    /// Whether the station is open at `instant` (an interval holds its start, not its end).
    public func isOpen(at instant: Date, calendar: WorkingCalendar) -> Bool {
        let day = LocalDate(inShanghai: instant)
        let seconds = instant.timeIntervalSince(day.startInShanghai)
        return intervals(on: day, calendar: calendar).contains { Double($0.start * 60) <= seconds && seconds < Double($0.end * 60) }
    }

    private func schedule(for weekday: LocalDate.Weekday) -> [String] {
        switch weekday {
        case .monday: mon
        case .tuesday: tue
        case .wednesday: wed
        case .thursday: thu
        case .friday: fri
        case .saturday: sat
        case .sunday: sun
        }
    }
}
