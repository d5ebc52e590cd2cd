import Foundation

/// When mediation sessions can take place: inside the station's opening hours, in Asia/Shanghai.
public enum MediationSchedule {
    /// A session lasts this long (minutes).
    public static let sessionMinutes = 60
    /// A proposal leaves the parties at least this long to arrange (hours).
    public static let minimumLeadHours = 24
    /// Proposals start on the half hour.
    static let slotStepMinutes = 30
    /// Staff may schedule at most this far ahead (days).
    public static let horizonDays = 60

    /// The first session-long slot inside `hours` that starts at least ``minimumLeadHours``
    /// after `now`, on a half hour, on a day that is not a public holiday; nil when the station
    /// has no opening hours in the next two weeks.
    ///
    /// - Parameter holidays: the public holidays (stations keep their weekly hours on other days,
    ///   an adjusted working weekend included).
    public static func proposal(after now: Date, hours: WeeklyHours, holidays: Set<LocalDate> = []) -> (startsAt: Date, endsAt: Date)? {
        // Rounded up to a whole minute, so the lead is never cut short by the seconds.
        let lead = now.timeIntervalSince1970 + Double(minimumLeadHours * 3600)
        let earliest = ShanghaiTime(Date(timeIntervalSince1970: (lead / 60).rounded(.up) * 60))
        for offset in 0..<14 {
            let day = earliest.dayNumber + offset
            if holidays.contains(LocalDate(daysSince1970: day)) { continue }
            let weekday = ((day % 7) + 7 + 3) % 7
            for interval in hours.days[weekday].intervals {
                guard let (open, close) = WeeklyHours.parse(interval) else { continue }
                var start = offset == 0 ? max(open, earliest.minuteOfDay) : open
                start = (start + slotStepMinutes - 1) / slotStepMinutes * slotStepMinutes
                if start + sessionMinutes <= close {
                    let startsAt = ShanghaiTime.instant(dayNumber: day, minuteOfDay: start)
                    return (startsAt, startsAt.addingTimeInterval(Double(sessionMinutes * 60)))
                }
            }
        }
        return nil
    }

    /// Checks a slot staff asked for: in the future (and within ``horizonDays``) and wholly
    /// inside one of the station's opening intervals on that day.
    ///
    /// - Throws: ``InvalidInput`` on `starts_at`, saying the station's hours that day.
    public static func check(_ startsAt: Date, now: Date, hours: WeeklyHours, holidays: Set<LocalDate> = []) throws(InvalidInput) {
        guard startsAt > now else {
            throw InvalidInput(name: "starts_at", reason: "is in the past: expected a time after now")
        }
        guard startsAt <= now.addingTimeInterval(Double(horizonDays * 86400)) else {
            throw InvalidInput(name: "starts_at", reason: "is more than \(horizonDays) days ahead")
        }
        let local = ShanghaiTime(startsAt)
        if holidays.contains(local.date) {
            throw InvalidInput(name: "starts_at", reason: "\(local.date) is a public holiday: expected a day the station is open")
        }
        let day = hours.days[local.weekday]
        let end = local.minuteOfDay + sessionMinutes
        let fits = day.intervals.contains { interval in
            guard let (open, close) = WeeklyHours.parse(interval) else { return false }
            return open <= local.minuteOfDay && end <= close
        }
        guard fits else {
            let opening = day.intervals.isEmpty ? "closed" : day.intervals.joined(separator: ", ")
            throw InvalidInput(name: "starts_at", reason: "a \(sessionMinutes)-minute session then is outside the station's opening hours on \(day.name) (Asia/Shanghai): \(opening)")
        }
    }
}
