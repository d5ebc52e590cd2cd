import Foundation
import Geodesy
import LiaisonCore
import Testing

/// The complaint's state machine on its own: no database, every state × action.
@Suite struct ComplaintWorkflowTests {
    static let clock = ServiceClock(rules: .defaults, calendar: Geodata.workingCalendar)
    let workflow = ComplaintWorkflow(clock: Self.clock, daysOff: Geodata.workingCalendar.daysOff)
    /// Monday 2 March 2026, 10:00 in Shanghai; the step one hour later.
    static let filed = instant("2026-03-02T10:00:00+08:00")
    static let at = filed.addingTimeInterval(3600)
    static let station = Geodata.stations.first { $0.id == "330106-0001" }!

    static func complaint(_ status: ComplaintStatus, mode: MediationMode = .offline) -> Complaint {
        let intake = ComplaintIntake(location: westLake, givenLocation: westLake, coordinateSystem: .wgs84,
                                     consumerName: "张三", consumerPhone: "13800138000", merchantName: "某某超市", merchantAddress: nil,
                                     category: .price, description: "多收费", preferredMode: mode, amountFen: nil)
        return Complaint(number: "ZJ-20260302-000001", trackingDigest: "trk_x", status: status, intake: intake, countyCode: "330106",
                         mode: mode, stationID: status == .submitted ? nil : station.id, submittedAt: filed, updatedAt: filed)
    }

    /// A legal step changes the state to the lifecycle table's and appends exactly one event; an
    /// illegal one changes nothing, appends nothing and names the actions allowed now.
    @Test(arguments: ComplaintStatus.allCases)
    func everyActionFromEveryState(_ status: ComplaintStatus) {
        for action in ComplaintAction.allCases {
            let before = Self.complaint(status)
            var after = before
            var events: [ComplaintEvent] = []
            let next = ComplaintLifecycle.next(from: status, on: action)
            do {
                try workflow.transition(&after, action, party: action.party, actor: "t-1", note: "n", stationID: nil, at: Self.at, events: &events)
                #expect(next != nil, "\(status) --\(action)--> was allowed")
                #expect(after.status == next && after.updatedAt == Self.at, "\(status) --\(action)-->")
                #expect(events.count == 1, "\(status) --\(action)-->")
                if let event = events.first {
                    #expect(event.action == action && event.from == status && event.to == next, "\(status) --\(action)-->")
                    #expect(event.actor == "t-1" && event.note == "n" && event.stationID == before.stationID && event.at == Self.at)
                }
            } catch {
                #expect(next == nil, "\(status) --\(action)--> was refused: \(error)")
                #expect(after == before && events.isEmpty, "\(status) --\(action)--> changed something though refused")
                #expect(error.allowed == ComplaintView.allowedActions(before, party: action.party))
                #expect(!error.allowed.contains(action))
            }
        }
    }

    @Test func acceptingStartsTheMediationClockOnceAndRecordsTheFirstResponse() throws {
        var complaint = Self.complaint(.assigned)
        var events: [ComplaintEvent] = []
        try workflow.transition(&complaint, .accept, party: .staff, actor: "xihu-1", note: nil, stationID: nil, at: Self.at, events: &events)
        #expect(complaint.milestones.acceptedAt == Self.at && complaint.milestones.respondedAt == Self.at)
        #expect(complaint.deadlines.mediationBy == (try Self.clock.deadline(Self.clock.rules.mediation, from: Self.at)))
        #expect(complaint.deadlines.provisional.isEmpty)

        // Reassigned and accepted again later: the first acceptance stands, the mediation clock restarts.
        let later = Self.at.addingTimeInterval(2 * 86400)
        try workflow.assign(&complaint, to: Self.station, distanceMeters: 10, mode: .offline, reason: "r", action: .reassign,
                            actor: "xihu-1", note: nil, at: later, events: &events)
        try workflow.transition(&complaint, .accept, party: .staff, actor: "xihu-1", note: nil, stationID: nil, at: later, events: &events)
        #expect(complaint.milestones.acceptedAt == Self.at)
        #expect(complaint.deadlines.mediationBy == (try Self.clock.deadline(Self.clock.rules.mediation, from: later)))
        #expect(events.map(\.action) == [.accept, .reassign, .accept])
    }

    @Test func anOutcomeIsRecordedWithItsTime() throws {
        var complaint = Self.complaint(.mediating)
        var events: [ComplaintEvent] = []
        try workflow.transition(&complaint, .resolve, party: .staff, actor: "xihu-1", note: nil, stationID: nil, at: Self.at, events: &events)
        #expect(complaint.milestones.outcome == .resolved && complaint.milestones.outcomeAt == Self.at)
    }

    /// Assigning drops the previous station's arrangements and records the dispatch once.
    @Test func assigningDropsTheOldArrangements() throws {
        var complaint = Self.complaint(.submitted, mode: .video)
        complaint.video = Complaint.VideoSession(room: "zj-old", scheduledAt: Self.at, confirmed: true)
        var events: [ComplaintEvent] = []
        try workflow.assign(&complaint, to: Self.station, distanceMeters: 1234, mode: .video, reason: "nearest", action: .assign,
                            actor: "system", note: nil, at: Self.at, events: &events)
        #expect(complaint.status == .assigned && complaint.stationID == Self.station.id && complaint.distanceMeters == 1234)
        #expect(complaint.video == nil && complaint.appointment == nil)
        #expect(complaint.milestones.dispatchedAt == Self.at)
        #expect(events.first?.stationID == Self.station.id)
    }

    /// The proposed session falls in the station's hours on a working day, after the step.
    @Test func aProposalIsInTheStationsHoursOnAWorkingDay() throws {
        var complaint = Self.complaint(.accepted)
        workflow.propose(&complaint, station: Self.station, at: Self.at)
        let appointment = try #require(complaint.appointment)
        #expect(appointment.startsAt > Self.at)
        #expect(!workflow.daysOff.contains(LocalDate(inShanghai: appointment.startsAt)))
        #expect(appointment.endsAt.timeIntervalSince(appointment.startsAt) == Double(MediationSchedule.sessionMinutes * 60))
    }

    /// Closing draws a return visit by the number's SHA-256: always at share 1, never at share 0.
    @Test(arguments: [(1.0, true), (0.0, false)])
    func closingDrawsAReturnVisit(_ share: Double, _ drawn: Bool) throws {
        var rules = ServiceLevelRules.defaults
        rules.returnVisits = ReturnVisitRule(share: share)
        let workflow = ComplaintWorkflow(clock: ServiceClock(rules: rules, calendar: Geodata.workingCalendar), daysOff: [])
        var complaint = Self.complaint(.resolved)
        var events: [ComplaintEvent] = []
        try workflow.transition(&complaint, .close, party: .staff, actor: "xihu-1", note: nil, stationID: nil, at: Self.at, events: &events)
        #expect((complaint.returnVisit != nil) == drawn)
    }

    /// The draw's digest, checked against Python's hashlib:
    /// `int.from_bytes(hashlib.sha256(b"ZJ-20260302-000001").digest()[:4], "big")`.
    @Test func theReturnVisitDrawIsTheNumbersSHA256Prefix() {
        #expect(ComplaintWorkflow.returnVisitDraw("ZJ-20260302-000001") == 2_334_254_194)
    }

    @Test func stationClocksAreTheClocksAndTheirNotesGoOnTheLastEvent() {
        var complaint = Self.complaint(.submitted)
        var events = [ComplaintEvent(at: Self.filed, actor: "system", action: .submit, from: nil, to: .submitted, stationID: nil, note: nil)]
        let late = instant("2026-12-28T09:00:00+08:00")
        workflow.startStationClocks(&complaint, at: late, events: &events)
        #expect(complaint.deadlines == Self.clock.stationDeadlines(from: late).deadlines)
        #expect(complaint.deadlines.acceptanceBy == nil)
        #expect(events[0].note?.hasPrefix("acceptance deadline not set: ") == true, "\(events[0].note ?? "")")
    }
}
