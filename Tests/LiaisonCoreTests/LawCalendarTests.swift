import Foundation
import LiaisonCore
import Testing

/// The calendar in two layers: the official schedules (notices) where they exist, the law's
/// statutory holidays after them, and deadlines counted over the law alone marked provisional.
@Suite struct LawCalendarTests {
    static let law = try! StatutoryHolidays(json: Data(contentsOf: Geodata.directory.appendingPathComponent("statutory-holidays.json")))
    static let calendar = Geodata.workingCalendar.with(law: law)

    @Test func theLawCoversEveryYearTo2100WithItsThirteenDays() {
        #expect(Self.law.firstYear == 2025 && Self.law.lastYear == 2100)
        for year in 2025...2100 {
            // 13 days, or 12 when Mid-Autumn falls within National Day (2028-10-03 is both).
            let days = Self.law.days.filter { $0.key.year == year }
            let shared = days.values.filter { $0.contains("、") }.count
            #expect(days.count + shared == 13, "\(year)")
        }
        #expect(Self.law.days[LocalDate("2028-10-03")!] == "中秋节、国庆节" || Self.law.days[LocalDate("2028-10-03")!] == "国庆节、中秋节")
        #expect(Self.calendar.coverage.upperBound == LocalDate("2100-12-31"))
    }

    /// Every statutory day of 2025 and 2026 is a day off in that year's official schedule.
    @Test func theLawAgreesWithTheNoticesOf2025And2026() throws {
        let notices = Geodata.workingCalendar
        let days = Self.law.days.keys.filter { $0.year <= 2026 }.sorted()
        #expect(days.count == 26)
        for day in days {
            #expect(try notices.isWorkingDay(day) == false, "\(day) (\(Self.law.days[day]!)) is a working day in the notice")
        }
    }

    @Test func aYearWithANoticeUsesItAndALaterYearTheLawAlone() throws {
        let calendar = Self.calendar
        // 2026: the notice's adjusted Saturday is worked.
        #expect(try calendar.isWorkingDay(LocalDate("2026-10-10")!) && !calendar.isProvisional(LocalDate("2026-10-10")!))
        // 2027: weekends off, the law's days off, no swaps.
        #expect(try !calendar.isWorkingDay(LocalDate("2027-01-01")!), "New Year's Day, a Friday")
        #expect(try !calendar.isWorkingDay(LocalDate("2027-02-06")!) && Self.law.days[LocalDate("2027-02-08")!] != nil, "Spring Festival")
        #expect(try calendar.isWorkingDay(LocalDate("2027-01-04")!) && calendar.isProvisional(LocalDate("2027-01-04")!))
        #expect(try !calendar.isWorkingDay(LocalDate("2027-01-09")!), "a Saturday")
        #expect(throws: CalendarError.self) { try calendar.isWorkingDay(LocalDate("2101-01-03")!) }
    }

    /// Filed Monday 2026-12-28: Dec 29, 30, 31 (the 2026 notice), then 2027 by the law: Jan 1 is
    /// New Year's Day, Jan 2-3 a weekend, Jan 4, 5, 6, 7. Seven working days end with Thursday
    /// Jan 7, so the acceptance deadline is 2027-01-08 00:00 +08:00, provisional.
    @Test func aComplaintFiledOn28December2026GetsAProvisionalDeadlineByHandCount() throws {
        let clock = ServiceClock(rules: .defaults, calendar: Self.calendar)
        let filed = Timestamp.parse("2026-12-28T10:00:00+08:00")!
        let (deadline, provisional) = try clock.counted(.workingDays(7), from: filed)
        #expect(deadline == Timestamp.parse("2027-01-08T00:00:00+08:00")!)
        #expect(provisional)
        // Inside the notice's year it is exact: Dec 2, 3, 4, 7, 8, 9, 10.
        let (inside, exact) = try clock.counted(.workingDays(7), from: Timestamp.parse("2026-12-01T10:00:00+08:00")!)
        #expect(inside == Timestamp.parse("2026-12-11T00:00:00+08:00")! && !exact)
        // Hours are never provisional; the last years of the law are still counted.
        #expect(try clock.counted(.hours(24), from: filed).provisional == false)
        #expect(try clock.counted(.workingDays(45), from: Timestamp.parse("2100-10-01T10:00:00+08:00")!).provisional)
    }

    @Test func aBadLawFileIsRejectedNamingTheEntry() {
        let bad = #"{"time_zone":"Asia/Shanghai","first_year":2027,"last_year":2027,"names":{},"years":{"2027":[{"date":"2028-01-01","holiday":"new_year"}]}}"#
        do {
            _ = try StatutoryHolidays(json: Data(bad.utf8))
            Issue.record("accepted")
        } catch {
            #expect(Set(error.parameters.map(\.name)) == ["years.2027", "years.2027[0].date"])
        }
    }
}
