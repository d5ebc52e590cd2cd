import LiaisonCore
import Testing

@Suite struct ComplaintLifecycleTests {
    /// The closed loop as the product describes it, written out by hand: every transition
    /// there is. A pair missing here must not be allowed.
    static let expected: [ComplaintStatus: [ComplaintAction: ComplaintStatus]] = [
        .submitted: [.assign: .assigned, .reassign: .assigned, .withdraw: .withdrawn, .claim: .assigned],
        .assigned: [.accept: .accepted, .refuse: .refused, .reassign: .assigned, .withdraw: .withdrawn, .claim: .assigned],
        .accepted: [.reassign: .assigned, .schedule: .accepted, .confirm_appointment: .accepted,
                    .start_mediation: .mediating, .withdraw: .withdrawn],
        .refused: [.assign: .assigned, .reassign: .assigned, .withdraw: .withdrawn, .claim: .assigned],
        .mediating: [.schedule: .mediating, .confirm_appointment: .mediating, .resolve: .resolved, .fail: .failed,
                     .withdraw: .withdrawn],
        .resolved: [.feedback: .closed, .close: .closed],
        .failed: [.feedback: .closed, .close: .closed],
        .closed: [:],
        .withdrawn: [:],
    ]

    @Test func theTableCoversEveryStateAndAction() {
        // If a state or action is added, the table above (and this test) must be revisited.
        #expect(ComplaintStatus.allCases.count == 9)
        #expect(ComplaintAction.allCases.count == 15)
        #expect(Set(Self.expected.keys) == Set(ComplaintStatus.allCases))
    }

    @Test(arguments: ComplaintStatus.allCases)
    func nextMatchesTheHandWrittenTable(status: ComplaintStatus) {
        for action in ComplaintAction.allCases {
            #expect(ComplaintLifecycle.next(from: status, on: action) == Self.expected[status]?[action],
                    "\(status.rawValue) --\(action.rawValue)-->")
        }
    }

    /// Who may act in each state, in the actions' declaration order.
    static let allowed: [(ComplaintStatus, staff: [ComplaintAction], consumer: [ComplaintAction], system: [ComplaintAction])] = [
        (.submitted, [.reassign, .claim], [.withdraw], [.assign]),
        (.assigned, [.accept, .refuse, .reassign, .claim], [.withdraw], []),
        (.accepted, [.reassign, .schedule, .start_mediation], [.confirm_appointment, .withdraw], []),
        (.refused, [.reassign, .claim], [.withdraw], [.assign]),
        (.mediating, [.schedule, .resolve, .fail], [.confirm_appointment, .withdraw], []),
        (.resolved, [.close], [.feedback], []),
        (.failed, [.close], [.feedback], []),
        (.closed, [], [], []),
        (.withdrawn, [], [], []),
    ]

    @Test func allowedActionsPerParty() {
        #expect(Self.allowed.map(\.0) == ComplaintStatus.allCases)
        for (status, staff, consumer, system) in Self.allowed {
            #expect(ComplaintLifecycle.allowed(in: status, for: .staff) == staff, "staff in \(status.rawValue)")
            #expect(ComplaintLifecycle.allowed(in: status, for: .consumer) == consumer, "consumer in \(status.rawValue)")
            #expect(ComplaintLifecycle.allowed(in: status, for: .system) == system, "system in \(status.rawValue)")
        }
    }

    @Test func partiesOfActions() {
        #expect(ComplaintAction.staffActions == [.accept, .refuse, .reassign, .schedule, .start_mediation, .resolve, .fail, .close, .claim])
        #expect(ComplaintAction.staffActionNames == "accept, refuse, reassign, schedule, start_mediation, resolve, fail, close, claim")
        #expect(ComplaintAction.allCases.filter { $0.party == .consumer } == [.confirm_appointment, .withdraw, .feedback])
        #expect(ComplaintAction.allCases.filter { $0.party == .system } == [.submit, .assign, .overdue])
    }

    @Test func terminalStatesAllowNothing() {
        #expect(ComplaintStatus.allCases.filter(\.isTerminal) == [.closed, .withdrawn])
        for status in [ComplaintStatus.closed, .withdrawn] {
            for action in ComplaintAction.allCases {
                #expect(ComplaintLifecycle.next(from: status, on: action) == nil, "\(status.rawValue) \(action.rawValue)")
            }
        }
    }

    @Test func withdrawIsAllowedOnlyBeforeAnOutcome() {
        let open = ComplaintStatus.allCases.filter { ComplaintLifecycle.next(from: $0, on: .withdraw) != nil }
        #expect(open == [.submitted, .assigned, .accepted, .refused, .mediating])
        for status in open {
            #expect(ComplaintLifecycle.next(from: status, on: .withdraw) == .withdrawn)
        }
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
                                              allowed: ComplaintLifecycle.allowed(in: .assigned, for: .staff))
        #expect(staffTooEarly.description
            == "complaint ZJ-20261129-000001 is assigned: resolve is not allowed; allowed actions now: accept, refuse, reassign, claim")

        let finished = IllegalTransition(number: "ZJ-20261129-000002", status: .closed, action: .close,
                                         allowed: ComplaintLifecycle.allowed(in: .closed, for: .staff))
        #expect(finished.description
            == "complaint ZJ-20261129-000002 is closed: close is not allowed; allowed actions now: none: the complaint is finished")

        let waiting = IllegalTransition(number: "ZJ-20261129-000003", status: .assigned, action: .assign,
                                        allowed: ComplaintLifecycle.allowed(in: .assigned, for: .system))
        #expect(waiting.description
            == "complaint ZJ-20261129-000003 is assigned: assign is not allowed; allowed actions now: none: the complaint is waiting for another party")
    }
}
