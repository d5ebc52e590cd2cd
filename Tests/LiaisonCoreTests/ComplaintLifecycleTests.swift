import Foundation
import LiaisonCore
import Testing

@Suite struct ComplaintLifecycleTests {
    /// The closed loop as the product describes it, written out by hand: every transition
    /// there is. A pair missing here must not be allowed.
    static let expected: [ComplaintStatus: [ComplaintAction: ComplaintStatus]] = [
        .submitted: [.deadline_update: .submitted, .assign: .assigned, .reassign: .assigned, .withdraw: .withdrawn, .claim: .assigned, .refer: .with_enterprise,
                     .mark_urgent: .submitted, .open_review: .submitted, .uphold: .submitted, .decline: .declined],
        .assigned: [.deadline_update: .assigned, .accept: .accepted, .refuse: .refused, .reassign: .assigned, .withdraw: .withdrawn, .claim: .assigned,
                    .mark_urgent: .assigned, .verify: .assigned, .open_review: .assigned, .uphold: .assigned, .decline: .declined],
        .accepted: [.deadline_update: .accepted, .reassign: .assigned, .schedule: .accepted, .confirm_appointment: .accepted,
                    .start_mediation: .mediating, .withdraw: .withdrawn, .mark_urgent: .accepted, .verify: .accepted, .uphold: .accepted],
        .refused: [.deadline_update: .refused, .assign: .assigned, .reassign: .assigned, .withdraw: .withdrawn, .claim: .assigned, .mark_urgent: .refused,
                   .open_review: .refused, .uphold: .refused, .decline: .declined],
        .mediating: [.reassign: .assigned, .deadline_update: .mediating, .schedule: .mediating, .confirm_appointment: .mediating, .resolve: .resolved, .fail: .failed,
                     .withdraw: .withdrawn, .mark_urgent: .mediating, .verify: .mediating, .uphold: .mediating],
        .resolved: [.deadline_update: .resolved, .feedback: .closed, .close: .closed, .open_review: .resolved, .uphold: .resolved, .reopen: .assigned],
        .failed: [.deadline_update: .failed, .feedback: .closed, .close: .closed, .hand_off: .closed, .open_review: .failed, .uphold: .failed, .reopen: .assigned],
        .closed: [.hand_off: .closed, .open_review: .closed, .uphold: .closed, .reopen: .assigned, .return_visit: .closed],
        .withdrawn: [.uphold: .withdrawn],
        .with_enterprise: [.deadline_update: .with_enterprise, .settle: .settlement_offered, .decline: .submitted, .timeout: .submitted, .recall: .submitted,
                           .reassign: .assigned, .withdraw: .withdrawn, .mark_urgent: .with_enterprise],
        .settlement_offered: [.deadline_update: .settlement_offered, .accept_settlement: .resolved, .reject_settlement: .submitted, .lapse: .resolved,
                              .withdraw: .withdrawn],
        // 不予受理 ends it: nothing follows.
        .declined: [:],
    ]

    @Test func theTableCoversEveryStateAndAction() {
        // If a state or action is added, the table above (and this test) must be revisited.
        #expect(ComplaintStatus.allCases.count == 12)
        #expect(ComplaintAction.allCases.count == 31)
        #expect(Set(Self.expected.keys) == Set(ComplaintStatus.allCases))
    }

    @Test(arguments: ComplaintStatus.allCases)
    func nextMatchesTheHandWrittenTable(status: ComplaintStatus) {
        for action in ComplaintAction.allCases {
            #expect(ComplaintLifecycle.next(from: status, on: action) == Self.expected[status]?[action],
                    "\(status.rawValue) --\(action.rawValue)-->")
        }
    }

    /// Who may act in each state, in the actions' declaration order (before the preconditions
    /// ``ComplaintView/allowedActions(_:party:)`` adds: an urgent complaint, an open review...).
    static let allowed: [(ComplaintStatus, staff: [ComplaintAction], consumer: [ComplaintAction], system: [ComplaintAction], enterprise: [ComplaintAction])] = [
        (.submitted, [.reassign, .claim, .mark_urgent, .uphold, .decline], [.withdraw], [.assign, .refer, .open_review, .deadline_update], []),
        (.assigned, [.accept, .refuse, .reassign, .claim, .mark_urgent, .verify, .uphold, .decline], [.withdraw], [.open_review, .deadline_update], []),
        (.accepted, [.reassign, .schedule, .start_mediation, .mark_urgent, .verify, .uphold], [.confirm_appointment, .withdraw], [.deadline_update], []),
        (.refused, [.reassign, .claim, .mark_urgent, .uphold, .decline], [.withdraw], [.assign, .open_review, .deadline_update], []),
        (.mediating, [.reassign, .schedule, .resolve, .fail, .mark_urgent, .verify, .uphold], [.confirm_appointment, .withdraw], [.deadline_update], []),
        (.resolved, [.close, .uphold, .reopen], [.feedback], [.open_review, .deadline_update], []),
        (.failed, [.close, .hand_off, .uphold, .reopen], [.feedback], [.open_review, .deadline_update], []),
        (.closed, [.hand_off, .uphold, .reopen, .return_visit], [], [.open_review], []),
        (.withdrawn, [.uphold], [], [], []),
        (.with_enterprise, [.reassign, .mark_urgent], [.withdraw], [.timeout, .recall, .deadline_update], [.settle, .decline]),
        (.settlement_offered, [], [.withdraw, .accept_settlement, .reject_settlement], [.lapse, .deadline_update], []),
        (.declined, [], [], [], []),
    ]

    /// The lifecycle lets a mediation move (its station retired, by force), but staff are
    /// never offered it: a mediation under way is not reassigned by hand.
    @Test func aMediationIsNotReassignedByHand() {
        #expect(!ComplaintView.allowedActions(SMSTemplateTests.worstCase(status: .mediating), party: .staff).contains(.reassign))
        #expect(ComplaintView.allowedActions(SMSTemplateTests.worstCase(status: .accepted), party: .staff).contains(.reassign))
    }

    @Test func allowedActionsPerParty() {
        #expect(Self.allowed.map(\.0) == ComplaintStatus.allCases)
        for (status, staff, consumer, system, enterprise) in Self.allowed {
            #expect(ComplaintLifecycle.allowed(in: status, for: .staff) == staff, "staff in \(status.rawValue)")
            #expect(ComplaintLifecycle.allowed(in: status, for: .consumer) == consumer, "consumer in \(status.rawValue)")
            #expect(ComplaintLifecycle.allowed(in: status, for: .system) == system, "system in \(status.rawValue)")
            #expect(ComplaintLifecycle.allowed(in: status, for: .enterprise) == enterprise, "enterprise in \(status.rawValue)")
        }
    }

    @Test func partiesOfActions() {
        #expect(ComplaintAction.staffActions == [.accept, .refuse, .reassign, .schedule, .start_mediation, .resolve, .fail, .close, .claim,
                                                 .mark_urgent, .verify, .hand_off, .uphold, .reopen, .return_visit, .decline])
        #expect(ComplaintAction.allCases.filter { $0.party == .consumer } == [.confirm_appointment, .withdraw, .feedback, .accept_settlement, .reject_settlement])
        #expect(ComplaintAction.allCases.filter { $0.party == .system } == [.submit, .assign, .overdue, .refer, .timeout, .recall, .lapse, .open_review, .deadline_update])
        #expect(ComplaintAction.allCases.filter { $0.party == .enterprise } == [.settle, .decline])
        // `decline` is the enterprise's while the complaint is with it, staff's 不予受理 otherwise.
        #expect(ComplaintAction.decline.party(from: .with_enterprise) == .enterprise)
        #expect(ComplaintAction.decline.party(from: .assigned) == .staff)
        #expect(ComplaintAction.decline.parties == [.enterprise, .staff])
    }

    @Test func finishedComplaintsAllowOnlyAfterCare() {
        // Closed and withdrawn complaints never move on their own clocks again: only a review
        // (open, uphold, reopen), a return visit or the hand-off to a court touches them.
        #expect(ComplaintStatus.allCases.filter(\.isTerminal) == [.closed, .withdrawn, .declined])
        let afterCare: Set<ComplaintAction> = [.hand_off, .open_review, .uphold, .reopen, .return_visit]
        for status in [ComplaintStatus.closed, .withdrawn, .declined] {
            for action in ComplaintAction.allCases where !afterCare.contains(action) {
                #expect(ComplaintLifecycle.next(from: status, on: action) == nil, "\(status.rawValue) \(action.rawValue)")
            }
        }
    }

    @Test func withdrawIsAllowedOnlyBeforeAnOutcome() {
        let open = ComplaintStatus.allCases.filter { ComplaintLifecycle.next(from: $0, on: .withdraw) != nil }
        #expect(open == [.submitted, .assigned, .accepted, .refused, .mediating, .with_enterprise, .settlement_offered])
        for status in open {
            #expect(ComplaintLifecycle.next(from: status, on: .withdraw) == .withdrawn)
        }
    }

    /// The preconditions the state machine alone cannot see.
    @Test func preconditionsNarrowTheAllowedActions() {
        let intake = ComplaintIntake(location: .init(latitude: 30.26, longitude: 120.13), consumerName: "张三", consumerPhone: "13800138000",
                                     merchantName: "某某超市", category: .price, description: "多收费", preferredMode: .offline)
        let at = Date(timeIntervalSince1970: 1_796_000_000)
        var c = Complaint(number: "ZJ-20261203-000001", trackingDigest: "trk_x", status: .assigned, intake: intake, countyCode: "330106",
                          mode: .offline, submittedAt: at, updatedAt: at)
        #expect(ComplaintView.allowedActions(c, party: .staff) == [.accept, .refuse, .reassign, .mark_urgent, .decline])
        c.urgent = Complaint.Urgent(reason: "r", markedAt: at, dueBy: at.addingTimeInterval(86400))
        #expect(ComplaintView.allowedActions(c, party: .staff) == [.accept, .refuse, .reassign, .verify, .decline])
        c.urgent?.metAt = at
        #expect(ComplaintView.allowedActions(c, party: .staff) == [.accept, .refuse, .reassign, .decline])
        c.status = .closed
        #expect(ComplaintView.allowedActions(c, party: .staff) == [])
        c.review = Complaint.Review(trigger: .dissatisfied, openedAt: at, dueBy: at)
        c.milestones.outcome = .failed
        c.returnVisit = Complaint.ReturnVisit(queuedAt: at)
        #expect(ComplaintView.allowedActions(c, party: .staff) == [.hand_off, .uphold, .reopen, .return_visit])
        c.courtHandoff = Complaint.CourtHandoff(courtID: "330106-C01", at: at)
        c.review?.finding = .upheld
        c.returnVisit?.doneAt = at
        #expect(ComplaintView.allowedActions(c, party: .staff) == [])
    }

    @Test func onlyStationHeldStatesHoldCapacity() {
        #expect(ComplaintStatus.allCases.filter(\.holdsCapacity) == [.assigned, .accepted, .mediating])
    }

    @Test func illegalTransitionNamesTheStateAndWhatIsAllowed() {
        let afterResolve = IllegalTransition(number: "ZJ-20261129-000123", status: .resolved, action: .withdraw,
                                             allowed: ComplaintLifecycle.allowed(in: .resolved, for: .consumer))
        #expect(afterResolve.description
            == "complaint ZJ-20261129-000123 is resolved: withdraw is not allowed; allowed actions now: feedback")

        let staffTooEarly = IllegalTransition(number: "ZJ-20261129-000001", status: .assigned, action: .resolve,
                                              allowed: [.accept, .refuse, .reassign, .claim])
        #expect(staffTooEarly.description
            == "complaint ZJ-20261129-000001 is assigned: resolve is not allowed; allowed actions now: accept, refuse, reassign, claim")

        let finished = IllegalTransition(number: "ZJ-20261129-000002", status: .closed, action: .close, allowed: [])
        #expect(finished.description
            == "complaint ZJ-20261129-000002 is closed: close is not allowed; allowed actions now: none: the complaint is finished")

        let waiting = IllegalTransition(number: "ZJ-20261129-000003", status: .assigned, action: .assign, allowed: [])
        #expect(waiting.description
            == "complaint ZJ-20261129-000003 is assigned: assign is not allowed; allowed actions now: none: the complaint is waiting for another party")
    }
}
