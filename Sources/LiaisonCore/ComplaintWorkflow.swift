import Crypto
import Foundation

/// The complaint's state machine without a database: each step takes the complaint, what
/// happened and the facts it needs (the clock and calendar, a station chosen by the policy),
/// changes the complaint and appends its events. The desk (`LiaisonStore`) runs these steps
/// inside its transactions and stores what they produce; nothing here reads or writes a store.
///
/// ```swift
/// let workflow = ComplaintWorkflow(clock: clock, daysOff: clock.calendar.daysOff)
/// try workflow.transition(&complaint, .accept, party: .staff, actor: "xihu-1", note: nil, stationID: nil, at: now, events: &events)
/// // complaint.status == .accepted; events.last: assigned → accepted; the mediation clock started
/// ```
public struct ComplaintWorkflow: Sendable {
    public let clock: ServiceClock
    /// Days on which no mediation session is proposed or scheduled.
    public let daysOff: Set<LocalDate>

    public init(clock: ServiceClock, daysOff: Set<LocalDate>) {
        self.clock = clock
        self.daysOff = daysOff
    }

    /// Moves the complaint along `action` (``ComplaintLifecycle``), recording the event, the
    /// milestones that stop service clocks, the mediation clock on acceptance and the return-visit
    /// draw on closing.
    ///
    /// - Throws: ``IllegalTransition`` (listing the actions allowed now) when the state does not
    ///   allow `action`; then nothing is changed.
    public func transition(_ complaint: inout Complaint, _ action: ComplaintAction, party: ComplaintParty, actor: String, note: String?,
                           stationID: String?, at: Date, events: inout [ComplaintEvent]) throws(IllegalTransition) {
        guard let next = ComplaintLifecycle.next(from: complaint.status, on: action) else {
            throw IllegalTransition(number: complaint.number, status: complaint.status, action: action,
                                    allowed: ComplaintView.allowedActions(complaint, party: party))
        }
        events.append(ComplaintEvent(at: at, actor: actor, action: action, from: complaint.status, to: next,
                                     stationID: stationID ?? complaint.stationID, note: note))
        complaint.status = next
        complaint.updatedAt = at
        stopClocks(&complaint, on: action, at: at, events: &events)
        if next == .closed, complaint.returnVisit == nil, clock.rules.returnVisits.draws(digestPrefix: Self.returnVisitDraw(complaint.number)) {
            complaint.returnVisit = Complaint.ReturnVisit(queuedAt: at)
        }
    }

    /// Hands the complaint to `station` (by `action`: assign, reassign, claim or reopen), dropping the
    /// previous station's appointment or video session: a new station makes its own arrangements.
    /// The station's own response clock starts (``ServiceLevelRules/firstResponse`` from now).
    public func assign(_ complaint: inout Complaint, to station: Station, distanceMeters: Double, mode: MediationMode, reason: String,
                       action: ComplaintAction, actor: String, note: String?, at: Date, events: inout [ComplaintEvent]) throws(IllegalTransition) {
        try transition(&complaint, action, party: action.party, actor: actor, note: note, stationID: station.id, at: at, events: &events)
        complaint.stationID = station.id
        complaint.distanceMeters = distanceMeters
        complaint.mode = mode
        complaint.assignmentReason = reason
        complaint.appointment = nil
        complaint.video = nil
        // Each station answers for itself: its own response clock starts now.
        if let due = try? clock.counted(clock.rules.firstResponse, from: at).deadline {
            complaint.deadlines.respondBy = due
            complaint.milestones.respondedAt = nil
            complaint.overdueReported.remove(.response)
        }
    }

    /// 不予受理: staff end the complaint before acceptance, for `reason`. The decision stops the
    /// response clock of the station holding it (if any) and is the acceptance decision.
    public func decline(_ complaint: inout Complaint, reason: DeclineReason, actor: String, note: String?, at: Date,
                        events: inout [ComplaintEvent]) throws(IllegalTransition) {
        guard complaint.status != .with_enterprise, complaint.status != .settlement_offered else {
            throw IllegalTransition(number: complaint.number, status: complaint.status, action: .decline,
                                    allowed: ComplaintView.allowedActions(complaint, party: .staff))
        }
        try transition(&complaint, .decline, party: .staff, actor: actor, note: [reason.rawValue, note].compactMap { $0 }.joined(separator: ": "),
                       stationID: nil, at: at, events: &events)
        complaint.decline = Complaint.Decline(reason: reason, at: at)
        if complaint.stationID != nil, complaint.milestones.respondedAt == nil { complaint.milestones.respondedAt = at }
    }

    /// The dispatch, first-response and acceptance clocks, started at `at` (intake, or leaving the
    /// enterprise); a deadline the calendar cannot reach is left unset and the last event says why.
    public func startStationClocks(_ complaint: inout Complaint, at: Date, events: inout [ComplaintEvent]) {
        let (deadlines, notes) = clock.stationDeadlines(from: at)
        complaint.deadlines = deadlines
        if !notes.isEmpty, !events.isEmpty {
            events[events.count - 1].note = ([events[events.count - 1].note].compactMap { $0 } + notes).joined(separator: "; ")
        }
    }

    /// Records how the direct train's stage ended (no-op for a complaint that never went to an enterprise).
    public func endDirectTrain(_ complaint: inout Complaint, _ outcome: Complaint.DirectTrain.Outcome, at: Date) {
        guard complaint.directTrain != nil else { return }
        complaint.directTrain?.outcome = outcome
        complaint.directTrain?.endedAt = at
    }

    /// On acceptance: a proposed appointment (offline) or video session in the station's hours,
    /// none when the station has no open hour in the weeks ahead.
    public func propose(_ complaint: inout Complaint, station: Station, at: Date) {
        guard let slot = MediationSchedule.proposal(after: at, hours: station.hours, holidays: daysOff) else { return }
        schedule(&complaint, startsAt: slot.startsAt)
    }

    /// A session at `startsAt`: an appointment at the station, or a video session (in a new room).
    public func schedule(_ complaint: inout Complaint, startsAt: Date) {
        switch complaint.mode {
        case .offline:
            complaint.appointment = Complaint.Appointment(startsAt: startsAt, endsAt: startsAt.addingTimeInterval(Double(MediationSchedule.sessionMinutes * 60)),
                                                          confirmed: false)
        case .video:
            // A new room for every (re)scheduled session: links to the earlier one open nothing now.
            complaint.video = Complaint.VideoSession(room: ComplaintNumber.newRoom(), scheduledAt: startsAt, confirmed: false)
        }
    }

    /// The first four bytes of the SHA-256 of a complaint number, big-endian: the return-visit
    /// draw (the same in every process, and not guessable from the number's order).
    public static func returnVisitDraw(_ number: String) -> UInt32 {
        SHA256.hash(data: Data(number.utf8)).prefix(4).reduce(0) { $0 << 8 | UInt32($1) }
    }

    /// Records the milestones that stop service-level clocks, and starts the mediation clock on acceptance.
    private func stopClocks(_ complaint: inout Complaint, on action: ComplaintAction, at: Date, events: inout [ComplaintEvent]) {
        switch action {
        case .assign, .reassign, .claim:
            if complaint.milestones.dispatchedAt == nil { complaint.milestones.dispatchedAt = at }
        case .accept:
            // The acceptance decision is the first one; a station taking over after a reassignment
            // restarts the mediation clock, not the acceptance record.
            if complaint.milestones.acceptedAt == nil { complaint.milestones.acceptedAt = at }
            do {
                let (mediationBy, provisional) = try clock.counted(clock.rules.mediation, from: at)
                complaint.deadlines.mediationBy = mediationBy
                if provisional { complaint.deadlines.provisional.insert(.mediation) } else { complaint.deadlines.provisional.remove(.mediation) }
            } catch {
                complaint.deadlines.mediationBy = nil
                complaint.deadlines.provisional.remove(.mediation)
                events[events.count - 1].note = [events[events.count - 1].note, "mediation deadline not set: \(error)"].compactMap { $0 }.joined(separator: "; ")
            }
        case .resolve, .fail:
            complaint.milestones.outcome = complaint.status
            complaint.milestones.outcomeAt = at
        default:
            break
        }
        if [.accept, .refuse, .schedule, .start_mediation, .resolve, .fail].contains(action), complaint.milestones.respondedAt == nil {
            complaint.milestones.respondedAt = at
        }
        // The urgent track's clock: mediation started, an outcome, or a verification.
        if [.start_mediation, .resolve, .fail, .verify].contains(action), complaint.urgent != nil, complaint.urgent?.metAt == nil {
            complaint.urgent?.metAt = at
        }
    }
}
