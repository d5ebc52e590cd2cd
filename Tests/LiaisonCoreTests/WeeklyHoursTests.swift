import LiaisonCore
import Testing

@Suite struct WeeklyHoursTests {
    static func week(mon: [String] = ["08:30-11:30", "13:30-17:00"], sat: [String] = [], sun: [String] = []) -> WeeklyHours {
        let weekday = ["08:30-11:30", "13:30-17:00"]
        return WeeklyHours(mon: mon, tue: weekday, wed: weekday, thu: weekday, fri: weekday, sat: sat, sun: sun)
    }

    @Test(arguments: [
        [],
        ["00:00-24:00"],
        ["08:30-11:30", "13:30-17:00"],
        ["08:00-12:00", "12:00-18:00"],     // touching is not overlapping
        ["18:00-24:00"],                    // 24:00 as an end
        ["00:00-00:01", "23:59-24:00"],
    ])
    func validSchedules(_ mon: [String]) {
        #expect(Self.week(mon: mon).problems().isEmpty, "\(mon)")
    }

    @Test(arguments: [
        ["8:30-11:30"],           // one-digit hour
        ["08:30 - 11:30"],
        ["08:30–11:30"],          // en dash
        ["0830-1130"],
        ["08:30-"],
        ["08:30-11:30-12:00"],
        ["08:60-09:00"],
        ["25:00-26:00"],
        ["18:00-24:30"],          // nothing after 24:00
        ["24:00-24:00"],
        ["11:30-08:30"],          // start after end
        ["09:00-09:00"],          // empty interval
        ["08:00-12:00", "11:00-13:00"],   // overlap
        ["13:00-17:00", "08:00-12:00"],   // not ascending
        ["closed"],
    ])
    func invalidIntervalsNameTheDay(_ mon: [String]) throws {
        let problems = Self.week(mon: mon).problems()
        #expect(problems.map(\.name) == ["hours.mon"], "\(mon): \(problems)")
        let reason = try #require(problems.first?.reason)
        #expect(reason.contains("HH:MM-HH:MM") || reason.contains("must not overlap"), "reason: \(reason)")
    }

    /// `HH` and `MM` are two digits. A sign is not a digit: "+8:30" would be stored and shown to
    /// consumers as the opening time.
    @Test(arguments: ["+8:30-11:30", "08:30-11:+5", "+0:00-+1:00"])
    func signsAreNotDigits(_ interval: String) {
        #expect(Self.week(mon: [interval]).problems().map(\.name) == ["hours.mon"], "\(interval) was accepted")
    }

    /// Each bad day is reported, under the caller's field path.
    @Test func everyBadDayIsReported() {
        let problems = Self.week(mon: ["9-5"], sat: ["10:00-12:00", "11:00-13:00"], sun: ["10:00-24:30"]).problems(field: "properties.hours")
        #expect(problems.map(\.name) == ["properties.hours.mon", "properties.hours.sat", "properties.hours.sun"])
    }

    @Test func daysAreInWeekOrder() {
        #expect(Self.week().days.map(\.name) == ["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
    }
}
