/// Where a complaint is in its closed loop, from intake to feedback.
///
/// ```
/// submitted ─dispatch─▶ assigned ─accept─▶ accepted ─start_mediation─▶ mediating ─resolve─▶ resolved ─feedback/close─▶ closed
///                        │  ▲                  │                           └─fail──▶ failed ──feedback/close─▶ closed
///                        │  └──reassign────────┘
///                      refuse ─▶ refused ─(system or staff reassign)─▶ assigned
/// withdrawn: by the consumer from any state before resolved/failed.
/// claim: near a county border, staff of the other county take it over before acceptance (─▶ assigned).
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

    /// Counts against the assigned station's capacity.
    public var holdsCapacity: Bool { self == .assigned || self == .accepted || self == .mediating }

    /// Nothing more happens.
    public var isTerminal: Bool { self == .closed || self == .withdrawn }

    public static let allowedNames = allCases.map(\.rawValue).joined(separator: ", ")
}

/// Who may take an action.
public enum ComplaintParty: String, Sendable, Hashable {
    case staff, consumer, system
}

/// Something that moves a complaint (or records something about it without moving it).
public enum ComplaintAction: String, Sendable, Hashable, CaseIterable, Codable {
    // Recorded by the service itself.
    case submit, assign, overdue
    // Staff.
    case accept, refuse, reassign, schedule, start_mediation, resolve, fail, close
    /// Staff of a county the location may be in (near a border) take the complaint over.
    case claim
    // Consumer.
    case confirm_appointment, withdraw, feedback

    public var party: ComplaintParty {
        switch self {
        case .submit, .assign, .overdue: .system
        case .accept, .refuse, .reassign, .schedule, .start_mediation, .resolve, .fail, .close, .claim: .staff
        case .confirm_appointment, .withdraw, .feedback: .consumer
        }
    }

    /// The actions staff send to `POST /v1/complaints/{number}/events`.
    public static let staffActions = allCases.filter { $0.party == .staff }
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
        case (.submitted, .withdraw), (.assigned, .withdraw), (.accepted, .withdraw), (.refused, .withdraw), (.mediating, .withdraw):
            return .withdrawn
        default:
            return nil
        }
    }

    /// The actions of `party` allowed in `status`, in declaration order.
    public static func allowed(in status: ComplaintStatus, for party: ComplaintParty) -> [ComplaintAction] {
        ComplaintAction.allCases.filter { $0.party == party && next(from: status, on: $0) != nil }
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
