import Foundation
import LiaisonCore
import StationIndex
import Testing
import LiaisonTestSupport

@Suite struct MediationScheduleTests {
    /// 2026-11-30T00:00:00+08:00, a Monday (Asia/Shanghai is UTC+8 all year).
    static let mondayMidnight = 1_795_968_000.0

    /// Local Asia/Shanghai wall-clock time `day` days after Monday 30 November 2026.
    static func local(day: Int, _ hour: Int, _ minute: Int, _ second: Double = 0) -> Date {
        Date(timeIntervalSince1970: mondayMidnight + Double(day * 86400 + hour * 3600 + minute * 60) + second)
    }

    /// Weekdays with a lunch break, Saturday mornings, closed on Sunday.
    static let office = WeeklyHours(mon: ["09:00-12:00", "14:00-17:30"], tue: ["09:00-12:00", "14:00-17:30"],
                                    wed: ["09:00-12:00", "14:00-17:30"], thu: ["09:00-12:00", "14:00-17:30"],
                                    fri: ["09:00-12:00", "14:00-17:30"], sat: ["09:00-12:00"], sun: [])
    static let allDay = WeeklyHours(mon: ["00:00-24:00"], tue: ["00:00-24:00"], wed: ["00:00-24:00"], thu: ["00:00-24:00"],
                                    fri: ["00:00-24:00"], sat: ["00:00-24:00"], sun: ["00:00-24:00"])
    static let closed = WeeklyHours(mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [])

    struct Proposal: Sendable, CustomTestStringConvertible {
        let now: Date
        let startsAt: Date
        let why: String
        init(_ now: Date, _ startsAt: Date, _ why: String) {
            self.now = now
            self.startsAt = startsAt
            self.why = why
        }
        var testDescription: String { why }
    }

    static let proposals: [Proposal] = [
        Proposal(local(day: 0, 10, 7, 30), local(day: 1, 10, 30), "next half hour a day later"),
        Proposal(local(day: 0, 10, 0), local(day: 1, 10, 0), "exactly 24 h, already on the half hour"),
        Proposal(local(day: 0, 10, 0, 1), local(day: 1, 10, 30), "a second past the half hour"),
        Proposal(local(day: 0, 10, 29, 59.5), local(day: 1, 10, 30), "half a second before the half hour"),
        Proposal(local(day: 0, 11, 15), local(day: 1, 14, 0), "11:30 would end after 12:00: after lunch"),
        Proposal(local(day: 0, 7, 0), local(day: 1, 9, 0), "before opening"),
        Proposal(local(day: 0, 17, 0), local(day: 2, 9, 0), "17:00 would end after 17:30: next morning"),
        Proposal(local(day: 4, 16, 40), local(day: 7, 9, 0), "Saturday afternoon closed, Sunday closed: Monday"),
        Proposal(local(day: 5, 10, 0), local(day: 7, 9, 0), "Sunday closed: Monday"),
        Proposal(local(day: 4, 9, 0), local(day: 5, 9, 0), "Friday to Saturday morning"),
        // 2026-12-01T16:30:00Z is Wednesday 00:30 local: the UTC date is still Tuesday.
        Proposal(Date(timeIntervalSince1970: 1_796_142_600), local(day: 3, 9, 0), "local, not UTC, date"),
    ]

    @Test(arguments: proposals)
    func proposal(_ p: Proposal) throws {
        let slot = try #require(MediationSchedule.proposal(after: p.now, hours: Self.office), "\(p.why)")
        #expect(slot.startsAt == p.startsAt, "\(p.why): got \(slot.startsAt)")
        #expect(slot.endsAt == p.startsAt.addingTimeInterval(3600), "\(p.why)")
    }

    @Test func aRoundTheClockStationRollsOverMidnight() throws {
        // Monday 23:50 + 24 h = Tuesday 23:50, rounded up to 24:00: that is Wednesday 00:00.
        let slot = try #require(MediationSchedule.proposal(after: Self.local(day: 0, 23, 50), hours: Self.allDay))
        #expect(slot.startsAt == Self.local(day: 2, 0, 0))
    }

    @Test func noProposalWithoutOpeningHours() {
        #expect(MediationSchedule.proposal(after: Self.local(day: 0, 10, 0), hours: Self.closed) == nil)
        // Open, but never for a whole hour.
        let short = WeeklyHours(mon: ["09:00-09:45"], tue: ["09:00-09:45"], wed: [], thu: [], fri: [], sat: [], sun: ["13:30-14:29"])
        #expect(MediationSchedule.proposal(after: Self.local(day: 0, 10, 0), hours: short) == nil)
    }

    /// Whether a session starting at `start` fits in `hours`, computed with Foundation's calendar.
    static func fits(_ start: Date, _ hours: WeeklyHours) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let c = calendar.dateComponents([.weekday, .hour, .minute, .second], from: start)
        let dayIndex = (c.weekday! + 5) % 7   // Foundation: 1 = Sunday; here 0 = Monday
        let minute = c.hour! * 60 + c.minute!
        return hours.days[dayIndex].intervals.contains { interval in
            let parts = interval.split(separator: "-").map { $0.split(separator: ":").map { Int($0)! } }
            return parts[0][0] * 60 + parts[0][1] <= minute && minute + 60 <= parts[1][0] * 60 + parts[1][1]
        }
    }

    /// For random instants over a year and several schedules: the proposal is the first
    /// half-hour slot at least 24 h ahead that fits, scanning every half hour before it.
    @Test func proposalsAreTheFirstFittingHalfHour() throws {
        let schedules = [Self.office, Self.allDay,
                         WeeklyHours(mon: [], tue: ["08:30-11:30"], wed: [], thu: ["13:15-15:00", "19:00-21:00"], fri: [], sat: ["09:00-10:00"], sun: [])]
        var rng = SplitMix64(seed: 30)
        for _ in 0..<300 {
            let now = Date(timeIntervalSince1970: Self.mondayMidnight + Double.random(in: 0..<(365 * 86400), using: &rng).rounded(.down))
            let hours = schedules[Int.random(in: 0..<schedules.count, using: &rng)]
            let slot = try #require(MediationSchedule.proposal(after: now, hours: hours))
            let earliest = now.addingTimeInterval(24 * 3600)
            #expect(slot.startsAt >= earliest)
            #expect(Int(slot.startsAt.timeIntervalSince1970) % 1800 == 0, "not on a half hour: \(slot.startsAt)")
            #expect(slot.endsAt.timeIntervalSince(slot.startsAt) == 3600)
            #expect(Self.fits(slot.startsAt, hours), "\(slot.startsAt) outside \(hours)")
            #expect(throws: Never.self) { try MediationSchedule.check(slot.startsAt, now: now, hours: hours) }
            var t = (earliest.timeIntervalSince1970 / 1800).rounded(.up) * 1800
            while t < slot.startsAt.timeIntervalSince1970 {
                #expect(!Self.fits(Date(timeIntervalSince1970: t), hours), "now \(now): \(Date(timeIntervalSince1970: t)) fits before \(slot.startsAt)")
                t += 1800
            }
        }
    }

    // MARK: - Check

    static let now = local(day: 0, 10, 0)   // Monday 10:00

    static func checkReason(_ startsAt: Date, hours: WeeklyHours = office) -> String? {
        do {
            try MediationSchedule.check(startsAt, now: now, hours: hours)
            return nil
        } catch {
            #expect(error.parameters.map(\.name) == ["starts_at"])
            return error.parameters.first?.reason
        }
    }

    @Test func checkAcceptsASlotInsideTheHours() {
        #expect(Self.checkReason(Self.local(day: 1, 14, 0)) == nil)      // Tuesday 14:00-15:00
        #expect(Self.checkReason(Self.local(day: 1, 16, 30)) == nil)     // ends exactly at 17:30
        #expect(Self.checkReason(Self.local(day: 0, 11, 0)) == nil)      // later today, ends at 12:00
        #expect(Self.checkReason(Self.local(day: 5, 9, 0)) == nil)       // Saturday morning
        #expect(Self.checkReason(Self.local(day: 1, 9, 17)) == nil)      // any minute, not only half hours
    }

    @Test func checkRejectsThePast() {
        #expect(Self.checkReason(Self.now)?.contains("in the past") == true)
        #expect(Self.checkReason(Self.local(day: 0, 9, 0))?.contains("in the past") == true)
        #expect(Self.checkReason(Self.local(day: -7, 10, 0))?.contains("in the past") == true)
    }

    @Test func checkRejectsMoreThan60DaysAhead() {
        // Monday 10:00 + 60 days is Friday 29 January 2027 10:00: inside the hours, just allowed.
        #expect(Self.checkReason(Self.local(day: 60, 10, 0)) == nil)
        #expect(Self.checkReason(Self.local(day: 60, 10, 1))?.contains("more than 60 days ahead") == true)
        #expect(Self.checkReason(Self.local(day: 91, 10, 0))?.contains("more than 60 days ahead") == true)
    }

    @Test func checkRejectsSlotsOutsideTheHoursAndSaysThem() {
        let lunch = Self.checkReason(Self.local(day: 1, 11, 30))
        #expect(lunch?.contains("tue") == true, "\(lunch ?? "accepted")")
        #expect(lunch?.contains("09:00-12:00, 14:00-17:30") == true, "\(lunch ?? "accepted")")
        #expect(lunch?.contains("outside the station's opening hours") == true, "\(lunch ?? "accepted")")
        let sunday = Self.checkReason(Self.local(day: 6, 10, 0))
        #expect(sunday?.contains("sun") == true && sunday?.contains("closed") == true, "\(sunday ?? "accepted")")
        let saturdayAfternoon = Self.checkReason(Self.local(day: 5, 14, 0))
        #expect(saturdayAfternoon?.contains("sat") == true && saturdayAfternoon?.contains("09:00-12:00") == true, "\(saturdayAfternoon ?? "accepted")")
        #expect(Self.checkReason(Self.local(day: 1, 16, 31)) != nil)     // would end at 17:31
        #expect(Self.checkReason(Self.local(day: 1, 8, 59)) != nil)      // starts before opening
        #expect(Self.checkReason(Self.local(day: 1, 12, 0)) != nil)      // lunch
        #expect(Self.checkReason(Self.local(day: 1, 10, 0), hours: Self.closed) != nil)
    }

    /// 2026-12-01T01:30:00Z is Tuesday 09:30 in Shanghai (inside), but 01:30 in UTC (outside).
    @Test func checkUsesShanghaiTime() {
        #expect(Self.checkReason(Date(timeIntervalSince1970: 1_796_088_600)) == nil)
        // 2026-12-01T09:30:00Z is Tuesday 17:30 in Shanghai: closing time.
        #expect(Self.checkReason(Date(timeIntervalSince1970: 1_796_117_400))?.contains("tue") == true)
    }

    /// Public holidays are skipped by proposals and refused by check(), whatever the weekly hours say.
    @Test func holidaysAreSkipped() throws {
        let now = Self.local(day: 0, 10, 0)   // a Monday, 10:00
        let tuesday = LocalDate(inShanghai: Self.local(day: 1, 12, 0))
        let wednesday = tuesday.adding(days: 1)
        let slot = try #require(MediationSchedule.proposal(after: now, hours: Self.office, holidays: [tuesday, wednesday]))
        #expect(LocalDate(inShanghai: slot.startsAt) == wednesday.adding(days: 1), "\(slot.startsAt)")
        #expect(throws: InvalidInput.self) {
            try MediationSchedule.check(Self.local(day: 2, 10, 0), now: now, hours: Self.office, holidays: [wednesday])
        }
        #expect(throws: Never.self) { try MediationSchedule.check(Self.local(day: 2, 10, 0), now: now, hours: Self.office, holidays: [tuesday]) }
    }
}
