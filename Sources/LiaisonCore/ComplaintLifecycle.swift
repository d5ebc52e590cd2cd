/// Where a complaint is in its closed loop, from intake to feedback.
///
/// ```
/// submitted ─dispatch─▶ assigned ─accept─▶ accepted ─start_mediation─▶ mediating ─resolve─▶ resolved ─feedback/close─▶ closed
///                        │  ▲                  │                           └─fail──▶ failed ──feedback/close─▶ closed
///                        │  └──reassign────────┘
///                      refuse ─▶ refused ─(system or staff reassign)─▶ assigned
/// decline (不予受理): staff end it before acceptance, with a reason (``DeclineReason``):
///   submitted, assigned or refused ─decline─▶ declined.
/// withdrawn: by the consumer from any state before resolved/failed.
/// claim: near a county border, staff of the other county take it over before acceptance (─▶ assigned).
///
/// The direct train (an enrolled enterprise settles first):
/// submitted ─refer─▶ with_enterprise ─settle─▶ settlement_offered ─accept_settlement/lapse─▶ resolved
///                      │ decline, timeout, recall         │ reject_settlement
///                      ▼                                  ▼
///                  submitted ─assign─▶ assigned ...   submitted ─assign─▶ assigned ...
///
/// Beside the states: mark_urgent (any open state), verify (urgent, held by a station),
/// hand_off (failed, or closed after a failure, ─▶ closed, to a court), open_review / uphold / reopen (resolved, failed or
/// closed ─reopen─▶ assigned) and return_visit (closed).
/// ```
public enum ComplaintStatus: String, Sendable, Hashable, CaseIterable, Codable {
    /// Received, no station with free capacity yet.
    case submitted
    /// A station has it and must decide.
    case assigned
    /// The station took it on.
    case accepted
    /// The last station refused it and no other one qualified; waits for staff to reassign.
    case refused
    case mediating
    case resolved
    /// Mediation ended without agreement.
    case failed
    case closed
    case withdrawn
    /// With an enterprise enrolled in the direct train, for it to settle itself first.
    case with_enterprise
    /// The enterprise offered a settlement; the consumer accepts or rejects it.
    case settlement_offered
    /// Staff decided not to accept it (不予受理, SAMR Order No. 20 art. 15), with a reason: it ends here.
    case declined

    /// Counts against the assigned station's capacity.
    public var holdsCapacity: Bool { self == .assigned || self == .accepted || self == .mediating }

    /// Nothing more happens on the service-level clocks (a review may still reopen a closed one).
    public var isTerminal: Bool { self == .closed || self == .withdrawn || self == .declined }

    /// With the enterprise of the direct train (no station holds it).
    public var isWithEnterprise: Bool { self == .with_enterprise || self == .settlement_offered }

    public static let allowedNames = allCases.map(\.rawValue).joined(separator: ", ")

    /// What the status means, in Chinese (Open311 `status_notes`, case files).
    public var label: String {
        switch self {
        case .submitted: "已登记，等待分派联络站"
        case .assigned: "已分派至联络站，等待站点受理"
        case .accepted: "联络站已受理，正在安排调解"
        case .refused: "原站点无法办理，正在另行安排"
        case .mediating: "调解中"
        case .resolved: "调解成功"
        case .failed: "调解未达成协议，可拨打12315或依法申请仲裁、诉讼"
        case .closed: "已办结"
        case .withdrawn: "已撤回"
        case .with_enterprise: "已转企业直接处理（直通车），等待企业和解"
        case .settlement_offered: "企业已提出和解方案，等待消费者确认"
        case .declined: "不予受理"
        }
    }
}

/// Who may take an action.
public enum ComplaintParty: String, Sendable, Hashable {
    case staff, consumer, system, enterprise
}

/// Something that moves a complaint (or records something about it without moving it).
public enum ComplaintAction: String, Sendable, Hashable, CaseIterable, Codable {
    // Recorded by the service itself.
    case submit, assign, overdue
    /// The merchant is an enterprise enrolled in the direct train: it settles first.
    case refer
    /// The enterprise's window passed without an answer.
    case timeout
    /// Taken back from the enterprise (the complaint became urgent, or the enterprise left the direct train).
    case recall
    /// The consumer did not answer a settlement within the reply window: it stands.
    case lapse
    /// A review of the outcome is opened (feedback of 1 or 2, or a rejected settlement).
    case open_review
    /// A provisional deadline moved when its year's official holiday schedule was imported.
    case deadline_update
    // Staff.
    case accept, refuse, reassign, schedule, start_mediation, resolve, fail, close
    /// Staff of a county the location may be in (near a border) take the complaint over.
    case claim
    /// Marks a complaint urgent: a 24-hour mediation-or-verification deadline, top of the queues.
    case mark_urgent
    /// Records the verification of an urgent complaint (stops its 24-hour clock).
    case verify
    /// Hands a failed mediation to a court's mediation (诉调对接).
    case hand_off
    /// A review's finding: the outcome stands.
    case uphold
    /// A review's finding: mediation again, with the same or another station.
    case reopen
    /// Records a return visit (回访) to the consumer of a closed complaint.
    case return_visit
    // The enterprise of the direct train (`decline` is also staff's 不予受理: see ``party(from:)``).
    case settle, decline
    // Consumer.
    case confirm_appointment, withdraw, feedback, accept_settlement, reject_settlement

    public var party: ComplaintParty {
        switch self {
        case .submit, .assign, .overdue, .refer, .timeout, .recall, .lapse, .open_review, .deadline_update: .system
        case .accept, .refuse, .reassign, .schedule, .start_mediation, .resolve, .fail, .close, .claim,
             .mark_urgent, .verify, .hand_off, .uphold, .reopen, .return_visit: .staff
        case .settle, .decline: .enterprise
        case .confirm_appointment, .withdraw, .feedback, .accept_settlement, .reject_settlement: .consumer
        }
    }

    /// Who takes the action from `status`. `decline` is two decisions under one name: the
    /// enterprise's while the complaint is with it (it hands the complaint back to the
    /// stations), staff's otherwise (不予受理, which ends the complaint).
    public func party(from status: ComplaintStatus?) -> ComplaintParty {
        if self == .decline, let status, !status.isWithEnterprise { return .staff }
        return party
    }

    /// Every party that may take the action in some state.
    public var parties: [ComplaintParty] { self == .decline ? [.enterprise, .staff] : [party] }

    /// The actions staff send to `POST /v1/complaints/{number}/events`.
    public static let staffActions = allCases.filter { $0.parties.contains(.staff) }
    public static let staffActionNames = staffActions.map(\.rawValue).joined(separator: ", ")
}

/// The state machine: the only transitions there are.
public enum ComplaintLifecycle {
    /// The state `action` leads to from `status`, or nil when it is not allowed there.
    ///
    /// `refuse` leads to `refused`; the desk then reassigns at once when another station
    /// qualifies (a second, system `assign` event).
    public static func next(from status: ComplaintStatus, on action: ComplaintAction) -> ComplaintStatus? {
        switch (status, action) {
        case (.submitted, .assign), (.refused, .assign):
            return .assigned
        case (.submitted, .reassign), (.assigned, .reassign), (.refused, .reassign), (.accepted, .reassign):
            return .assigned
        // Only when its station is retired, and only by force (see ``ComplaintView/allowedActions(_:party:)``).
        case (.mediating, .reassign):
            return .assigned
        case (.submitted, .claim), (.assigned, .claim), (.refused, .claim):
            return .assigned
        case (.assigned, .accept):
            return .accepted
        case (.assigned, .refuse):
            return .refused
        case (.accepted, .schedule), (.mediating, .schedule):
            return status
        case (.accepted, .confirm_appointment), (.mediating, .confirm_appointment):
            return status
        case (.accepted, .start_mediation):
            return .mediating
        case (.mediating, .resolve):
            return .resolved
        case (.mediating, .fail):
            return .failed
        case (.resolved, .feedback), (.failed, .feedback), (.resolved, .close), (.failed, .close):
            return .closed
        case (.submitted, .withdraw), (.assigned, .withdraw), (.accepted, .withdraw), (.refused, .withdraw), (.mediating, .withdraw),
             (.with_enterprise, .withdraw), (.settlement_offered, .withdraw):
            return .withdrawn
        // The direct train.
        case (.submitted, .refer):
            return .with_enterprise
        case (.with_enterprise, .settle):
            return .settlement_offered
        case (.with_enterprise, .decline), (.with_enterprise, .timeout), (.with_enterprise, .recall), (.settlement_offered, .reject_settlement):
            return .submitted
        case (.with_enterprise, .reassign):
            return .assigned
        case (.settlement_offered, .accept_settlement), (.settlement_offered, .lapse):
            return .resolved
        // 不予受理: staff's decision, only before acceptance.
        case (.submitted, .decline), (.assigned, .decline), (.refused, .decline):
            return .declined
        // Beside the states: they record, they do not move (the desk checks what they need).
        // Not while a settlement waits for the consumer: the consumer's answer (or silence) ends it.
        case (_, .mark_urgent) where !status.isTerminal && status != .resolved && status != .failed && status != .settlement_offered:
            return status
        case (.assigned, .verify), (.accepted, .verify), (.mediating, .verify):
            return status
        case (.failed, .hand_off), (.closed, .hand_off):
            return .closed
        case (.resolved, .open_review), (.failed, .open_review), (.closed, .open_review), (.submitted, .open_review),
             (.assigned, .open_review), (.refused, .open_review):
            return status
        case (.resolved, .uphold), (.failed, .uphold), (.closed, .uphold), (.submitted, .uphold), (.assigned, .uphold),
             (.accepted, .uphold), (.refused, .uphold), (.mediating, .uphold), (.withdrawn, .uphold):
            return status
        case (.resolved, .reopen), (.failed, .reopen), (.closed, .reopen):
            return .assigned
        case (.closed, .return_visit):
            return .closed
        case (_, .deadline_update) where !status.isTerminal:
            return status
        default:
            return nil
        }
    }

    /// The actions of `party` allowed in `status`, in declaration order.
    public static func allowed(in status: ComplaintStatus, for party: ComplaintParty) -> [ComplaintAction] {
        ComplaintAction.allCases.filter { $0.party(from: status) == party && next(from: status, on: $0) != nil }
    }
}

/// An action that the complaint's state does not allow.
public struct IllegalTransition: Error, Sendable, Hashable, CustomStringConvertible {
    public let number: String
    public let status: ComplaintStatus
    public let action: ComplaintAction
    public let allowed: [ComplaintAction]

    public init(number: String, status: ComplaintStatus, action: ComplaintAction, allowed: [ComplaintAction]) {
        self.number = number
        self.status = status
        self.action = action
        self.allowed = allowed
    }

    public var description: String {
        let list = allowed.isEmpty ? "none: the complaint is \(status.isTerminal ? "finished" : "waiting for another party")"
                                   : allowed.map(\.rawValue).joined(separator: ", ")
        return "complaint \(number) is \(status.rawValue): \(action.rawValue) is not allowed; allowed actions now: \(list)"
    }
}
