import Foundation
import LiaisonCore
import Testing
import LiaisonTestSupport

/// An ISO 8601 instant (`2026-09-30T15:00:00+08:00`); a typo in a test is a crash, not a silent pass.
func instant(_ iso: String) -> Date {
    guard let date = ISO8601DateFormatter().date(from: iso) else { fatalError("not an ISO 8601 instant: \(iso)") }
    return date
}

/// The three rules after `dispatch`, valid, to pair with a bad `dispatch`.
private let otherRules = #""first_response": {"hours": 24}, "acceptance": {"working_days": 7}, "mediation": {"working_days": 45}"#

@Suite struct ServiceClockTests {
    let clock = ServiceClock(rules: .defaults, calendar: Geodata.workingCalendar)

    // MARK: rules

    @Test func shippedRulesAreTheDefaults() throws {
        let rules = try ServiceLevelRules(json: Data(contentsOf: Geodata.directory.appendingPathComponent("service-levels.json")))
        #expect(rules == ServiceLevelRules(dispatch: .hours(2), firstResponse: .hours(24), acceptance: .workingDays(7), mediation: .workingDays(45)))
        #expect(rules == .defaults)
    }

    @Test func rulesRoundTripThroughJSON() throws {
        let rules = ServiceLevelRules(dispatch: .workingDays(1), firstResponse: .hours(48), acceptance: .hours(168), mediation: .workingDays(30))
        #expect(try ServiceLevelRules(json: JSONEncoder().encode(rules)) == rules)
    }

    @Test(arguments: [
        (#"{"dispatch": {"hours": 0}, \#(otherRules)}"#, "dispatch.hours", "is 0: expected a whole number of hours from 1 to 8784"),
        (#"{"dispatch": {"hours": -2}, \#(otherRules)}"#, "dispatch.hours", "is -2"),
        (#"{"dispatch": {"hours": 9000}, \#(otherRules)}"#, "dispatch.hours", "from 1 to 8784"),
        (#"{"dispatch": {"hours": 1.5}, \#(otherRules)}"#, "dispatch.hours", "is 1.5: expected a whole number of hours"),
        (#"{"dispatch": {"hours": "2"}, \#(otherRules)}"#, "dispatch.hours", "is not a number: expected a whole number of hours"),
        (#"{"dispatch": {"hours": null}, \#(otherRules)}"#, "dispatch.hours", "is null"),
        (#"{"dispatch": {"working_days": 0}, \#(otherRules)}"#, "dispatch.working_days", "is 0: expected a whole number of working days from 1 to 366"),
        (#"{"dispatch": {"hours": 2, "working_days": 1}, \#(otherRules)}"#, "dispatch", "has both hours and working_days: expected exactly one"),
        (#"{"dispatch": {}, \#(otherRules)}"#, "dispatch", "has neither hours nor working_days"),
        (#"{"dispatch": {"minutes": 120}, \#(otherRules)}"#, "dispatch.minutes", "is not a rule field: expected hours or working_days"),
        (#"{"dispatch": {"hours": 2}, "dispach": {"hours": 2}, \#(otherRules)}"#, "dispach", "is not a rule: expected dispatch, first_response, acceptance, mediation"),
        (#"{"dispatch": {"hours": 2}, "first_response": {"hours": 24}, "acceptance": {"working_days": 7}}"#, "mediation", "is required"),
        (#"{"dispatch": 2, \#(otherRules)}"#, "dispatch", "wrong type"),
    ])
    func invalidRulesNameTheField(_ json: String, name: String, reason: String) throws {
        let error = try #require(throws: InvalidInput.self) { try ServiceLevelRules(json: Data(json.utf8)) }
        #expect(error.parameters.map(\.name) == [name], "\(error)")
        #expect(error.parameters.first?.reason.contains(reason) == true, "\(error)")
    }

    // MARK: deadlines

    /// Hours are wall-clock hours: nights and holidays count.
    @Test(arguments: ["2026-09-30T23:30:00+08:00", "2026-02-14T16:00:00+08:00", "2025-06-01T03:07:09Z"])
    func hoursRulesAddElapsedTime(_ submitted: String) throws {
        let start = instant(submitted)
        let d = clock.stationDeadlines(from: start).deadlines
        #expect(d.dispatchBy == start.addingTimeInterval(2 * 3600))
        #expect(d.respondBy == start.addingTimeInterval(24 * 3600))
    }

    /// Acceptance: the end of the 7th working day after the submission's Shanghai day.
    @Test(arguments: [
        // The last working day before National Day 2026 (Oct 1-7 off, Sat Oct 10 worked):
        // Oct 8, 9, 10, 12, 13, 14, 15.
        ("2026-09-30T15:00:00+08:00", "2026-10-16T00:00:00+08:00"),
        ("2026-09-30T23:59:59+08:00", "2026-10-16T00:00:00+08:00"),
        ("2026-09-30T08:00:00Z", "2026-10-16T00:00:00+08:00"),
        // Filed on a holiday: counting starts at the next working day, Oct 8 -- the same 7th day.
        ("2026-10-01T00:00:00+08:00", "2026-10-16T00:00:00+08:00"),
        // One second apart across Shanghai midnight, one working day apart (Fri Oct 9 / adjusted Sat Oct 10).
        ("2026-10-09T23:59:59+08:00", "2026-10-20T00:00:00+08:00"),
        ("2026-10-10T00:00:00+08:00", "2026-10-21T00:00:00+08:00"),
        // Spring Festival 2026 (Feb 15-23 off, Sat Feb 14 and Sat Feb 28 worked).
        ("2026-02-13T17:00:00+08:00", "2026-03-03T00:00:00+08:00"),   // Fri: Feb 14, 24, 25, 26, 27, 28, Mar 2
        ("2026-02-14T10:00:00+08:00", "2026-03-04T00:00:00+08:00"),   // on the adjusted Saturday
        // 2025: the last working day before National Day (Oct 1-8 off, Sat Oct 11 worked),
        // the adjusted Sunday before it, and the adjusted Sunday before Spring Festival.
        ("2025-09-30T16:30:00+08:00", "2025-10-17T00:00:00+08:00"),
        ("2025-09-28T09:00:00+08:00", "2025-10-15T00:00:00+08:00"),
        ("2025-01-26T11:00:00+08:00", "2025-02-12T00:00:00+08:00"),
        ("2025-01-27T11:00:00+08:00", "2025-02-13T00:00:00+08:00"),
    ])
    func acceptanceDeadlines(_ submitted: String, expected: String) throws {
        #expect(clock.stationDeadlines(from: instant(submitted)).deadlines.acceptanceBy == instant(expected))
    }

    @Test(arguments: [
        ("2026-10-16T10:00:00+08:00", "2026-12-19T00:00:00+08:00"),
        ("2026-02-14T10:00:00+08:00", "2026-04-28T00:00:00+08:00"),
    ])
    func mediationDeadlines(_ accepted: String, expected: String) throws {
        #expect(try clock.deadline(clock.rules.mediation, from: instant(accepted)) == instant(expected))
    }

    /// Each rule may be hours or working days; the clock follows the rule, not the rule's name.
    @Test func rulesMayUseEitherUnit() throws {
        let rules = ServiceLevelRules(dispatch: .workingDays(1), firstResponse: .hours(48), acceptance: .hours(72), mediation: .hours(100))
        let clock = ServiceClock(rules: rules, calendar: Geodata.workingCalendar)
        let submitted = instant("2026-09-30T15:00:00+08:00")
        let (d, notes) = clock.stationDeadlines(from: submitted)
        #expect(d.dispatchBy == instant("2026-10-09T00:00:00+08:00"))
        #expect(d.respondBy == instant("2026-10-02T15:00:00+08:00"))
        #expect(d.acceptanceBy == instant("2026-10-03T15:00:00+08:00"))
        #expect(d.provisional.isEmpty && notes.isEmpty)
        #expect(try clock.deadline(clock.rules.mediation, from: submitted) == instant("2026-10-04T19:00:00+08:00"))
    }

    // MARK: outside the calendar

    /// A deadline the calendar cannot reach is left unset, the others are set, and the note (the
    /// words the complaint's event records) names the rule and the range.
    @Test func acceptancePastTheCalendarIsUnsetAndTheNoteNamesTheRuleAndTheRange() throws {
        let submitted = instant("2026-12-28T09:00:00+08:00")
        let (d, notes) = clock.stationDeadlines(from: submitted)
        #expect(d.acceptanceBy == nil)
        #expect(d.dispatchBy == submitted.addingTimeInterval(2 * 3600) && d.respondBy == submitted.addingTimeInterval(24 * 3600))
        #expect(notes.count == 1 && notes[0].hasPrefix("acceptance deadline not set: "), "\(notes)")
        #expect(notes.first?.contains("2027-01-01 is outside the working calendar (2025-01-01...2026-12-31)") == true, "\(notes)")
    }

    @Test(arguments: ["2026-11-20T09:00:00+08:00", "2027-03-01T09:00:00+08:00", "2024-12-31T23:59:59+08:00"])
    func mediationOutsideTheCalendarThrows(_ accepted: String) throws {
        let error = try #require(throws: CalendarError.self) { try clock.deadline(clock.rules.mediation, from: instant(accepted)) }
        guard case .outOfRange(let date, _) = error else {
            Issue.record("expected outOfRange, got \(error)")
            return
        }
        #expect(!Geodata.workingCalendar.range.contains(date))
    }

    // MARK: oracle

    struct Vectors: Decodable {
        struct Vector: Decodable {
            let start: String
            let local_day: String
            let after_7: String?
            let after_45: String?
        }

        let source: String
        let first_uncovered_day: String
        let working_days: [Int]
        let vectors: [Vector]
    }

    static let vectors: Vectors = {
        let url = Repository.fixture("deadline-vectors.json")
        do {
            return try JSONDecoder().decode(Vectors.self, from: Data(contentsOf: url))
        } catch {
            fatalError("Tests/Fixtures/deadline-vectors.json: \(error)")
        }
    }()

    /// Every vector of `tools/make_deadline_vectors.py`, which counts with chinese_calendar and
    /// zoneinfo directly, not through `working-calendar.json` or the fixed UTC+8 offset.
    @Test func matchesTheChineseCalendarOracle() throws {
        let vectors = Self.vectors
        try #require(vectors.working_days == [7, 45] && vectors.vectors.count >= 100, "fixture: \(vectors.source)")
        #expect(vectors.vectors.contains { $0.after_45 == nil }, "the fixture has no out-of-range vector")
        let uncovered = day(vectors.first_uncovered_day)
        var failures: [String] = []
        for v in vectors.vectors {
            let start = instant(v.start)
            if LocalDate(inShanghai: start) != day(v.local_day) {
                failures.append("\(v.start): Shanghai day \(LocalDate(inShanghai: start)), oracle \(v.local_day)")
            }
            let acceptance = Result { () throws(CalendarError) in try clock.deadline(clock.rules.acceptance, from: start) }
            let mediation = Result { () throws(CalendarError) in try clock.deadline(clock.rules.mediation, from: start) }
            // What intake records is the same count.
            if clock.stationDeadlines(from: start).deadlines.acceptanceBy != (try? acceptance.get()) {
                failures.append("\(v.start): intake's acceptance deadline differs from the clock's")
            }
            for (name, got, want) in [("acceptance", acceptance, v.after_7), ("mediation", mediation, v.after_45)] {
                switch (got, want) {
                case (.success(let deadline), let want?) where deadline == instant(want):
                    break
                case (.failure(let error), nil) where error == .outOfRange(uncovered, range: Geodata.workingCalendar.range):
                    break
                default:
                    failures.append("\(v.start) \(name): got \(got), oracle \(want ?? "out of range from \(uncovered)")")
                }
            }
        }
        #expect(failures.isEmpty, "\(failures.count) of \(vectors.vectors.count) vectors differ: \(failures.prefix(5))")
    }
}
