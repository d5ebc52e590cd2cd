import Foundation

/// A staff action on a complaint, validated: the body of `POST /v1/complaints/{number}/events`.
///
/// ```json
/// {"action":"refuse","note":"not a consumer dispute: a labour contract"}
/// {"action":"reassign","station_id":"330106-0003","note":"closer to the consumer's home"}
/// {"action":"schedule","starts_at":"2026-12-02T10:00:00+08:00"}
/// {"action":"decline","reason":"handled_elsewhere","note":"already before the Xihu court"}
/// ```
public struct StaffCommand: Sendable, Hashable {
    public let action: ComplaintAction
    public let note: String?
    /// For `reassign`: the station to hand the complaint to (omit to let the policy choose).
    public let stationID: String?
    /// For `schedule`: when the mediation session starts.
    public let startsAt: Date?
    /// For `hand_off`: the court's mediation desk (default: the complaint's county's).
    public let courtID: String?
    /// For `return_visit`: whether the consumer was reached, and whether they are satisfied.
    public let reached: Bool?
    public let satisfied: Bool?
    /// For `decline` (不予受理): why.
    public let reason: DeclineReason?

    public init(action: ComplaintAction, note: String? = nil, stationID: String? = nil, startsAt: Date? = nil, courtID: String? = nil,
                reached: Bool? = nil, satisfied: Bool? = nil, reason: DeclineReason? = nil) {
        self.action = action
        self.note = note
        self.stationID = stationID
        self.startsAt = startsAt
        self.courtID = courtID
        self.reached = reached
        self.satisfied = satisfied
        self.reason = reason
    }

    /// Actions whose note says why, and so must have one.
    static let noteRequired: Set<ComplaintAction> = [.refuse, .reassign, .fail, .mark_urgent, .verify, .uphold, .reopen]

    /// - Throws: ``InvalidInput`` naming each bad field.
    public static func validate(_ body: Data) throws(InvalidInput) -> StaffCommand {
        let object = try JSONBody.object(body, expected: "{\"action\": one of \(ComplaintAction.staffActionNames), \"note\": ...}")
        var problems = StationDraft.unknownFields(object, allowed: ["action", "note", "station_id", "starts_at", "court_id", "reached", "satisfied", "reason"], prefix: "")
        problems += FreeText.problems(in: object)
        problems += nullFields(object)
        let action = (object["action"] as? String).flatMap(ComplaintAction.init(rawValue:)).flatMap { $0.parties.contains(.staff) ? $0 : nil }
        if action == nil {
            problems.append(InvalidParameter(name: "action", reason: "\(object["action"].map { "\($0)" } ?? "missing"): expected one of \(ComplaintAction.staffActionNames)"))
        }
        var note: String?
        if let raw = object["note"], !(raw is NSNull) {
            if let raw = raw as? String, case let text = raw.cleaned, ComplaintIntake.fits(raw, trimmed: text, max: 500) {
                note = text
            } else {
                problems.append(InvalidParameter(name: "note", reason: "expected a string of 1 to 500 characters"))
            }
        }
        if let action, noteRequired.contains(action), note == nil, !problems.contains(where: { $0.name == "note" }) {
            problems.append(InvalidParameter(name: "note", reason: "is required for \(action.rawValue): say why, in 1 to 500 characters"))
        }
        var stationID: String?
        if let raw = object["station_id"], !(raw is NSNull) {
            if action != .reassign && action != .reopen {
                problems.append(InvalidParameter(name: "station_id", reason: "only allowed with action reassign or reopen"))
            } else if let id = raw as? String, id.utf8.count == 11 {
                stationID = id
            } else {
                problems.append(InvalidParameter(name: "station_id", reason: "expected a station id ADCODE-NNNN, e.g. 330106-0003"))
            }
        }
        var startsAt: Date?
        if let raw = object["starts_at"], !(raw is NSNull) {
            if action != .schedule {
                problems.append(InvalidParameter(name: "starts_at", reason: "only allowed with action schedule"))
            } else if let text = raw as? String, let date = Timestamp.parse(text) {
                startsAt = date
            } else {
                problems.append(InvalidParameter(name: "starts_at", reason: "expected an RFC 3339 time with offset, e.g. 2026-12-02T10:00:00+08:00"))
            }
        } else if action == .schedule {
            problems.append(InvalidParameter(name: "starts_at", reason: "is required for schedule: an RFC 3339 time, e.g. 2026-12-02T10:00:00+08:00"))
        }
        var courtID: String?
        if let raw = object["court_id"], !(raw is NSNull) {
            if action != .hand_off {
                problems.append(InvalidParameter(name: "court_id", reason: "only allowed with action hand_off"))
            } else if let id = raw as? String, (1...20).contains(id.utf8.count) {
                courtID = id
            } else {
                problems.append(InvalidParameter(name: "court_id", reason: "expected a court id ADCODE-Cnn, e.g. 330106-C01"))
            }
        }
        var reason: DeclineReason?
        if let raw = object["reason"], !(raw is NSNull) {
            if action != .decline {
                problems.append(InvalidParameter(name: "reason", reason: "only allowed with action decline"))
            } else if let code = (raw as? String).flatMap(DeclineReason.init(rawValue:)) {
                reason = code
            } else {
                problems.append(InvalidParameter(name: "reason", reason: "\(raw): expected one of \(DeclineReason.allowedNames)"))
            }
        } else if action == .decline {
            problems.append(InvalidParameter(name: "reason", reason: "is required for decline (不予受理): one of \(DeclineReason.allowedNames)"))
        }
        if reason == .other_legal, note == nil, !problems.contains(where: { $0.name == "note" }) {
            problems.append(InvalidParameter(name: "note", reason: "is required for decline with reason other_legal: name the law, regulation or rule, in 1 to 500 characters"))
        }
        // Typed decoding accepts JSON true and false only (not 1, not "true").
        struct Flag: Decodable { let value: Bool }
        var flags: [String: Bool] = [:]
        for name in ["reached", "satisfied"] {
            guard let raw = object[name], !(raw is NSNull) else { continue }
            if action != .return_visit {
                problems.append(InvalidParameter(name: name, reason: "only allowed with action return_visit"))
            } else if let data = try? JSONSerialization.data(withJSONObject: ["value": raw]),
                      let flag = try? JSONDecoder().decode(Flag.self, from: data) {
                flags[name] = flag.value
            } else {
                problems.append(InvalidParameter(name: name, reason: "expected true or false"))
            }
        }
        if action == .return_visit, flags["reached"] == nil, !problems.contains(where: { $0.name == "reached" }) {
            problems.append(InvalidParameter(name: "reached", reason: "is required for return_visit: true when the consumer was reached"))
        }
        if action == .return_visit, flags["reached"] == false, flags["satisfied"] != nil {
            problems.append(InvalidParameter(name: "satisfied", reason: "only allowed when reached is true"))
        }
        guard problems.isEmpty, let action else { throw InvalidInput(firstPerField(problems)) }
        return StaffCommand(action: action, note: note, stationID: stationID, startsAt: startsAt, courtID: courtID,
                            reached: flags["reached"], satisfied: flags["satisfied"], reason: reason)
    }
}

/// What a consumer can do with the tracking token.
public enum ConsumerCommand: Sendable, Hashable {
    case withdraw(reason: String?)
    case feedback(satisfaction: Int, comment: String?)
    case confirmAppointment
    case acceptSettlement
    case rejectSettlement(reason: String?)

    public var action: ComplaintAction {
        switch self {
        case .withdraw: .withdraw
        case .feedback: .feedback
        case .confirmAppointment: .confirm_appointment
        case .acceptSettlement: .accept_settlement
        case .rejectSettlement: .reject_settlement
        }
    }

    /// The body of `POST /v1/complaints/{number}/settlement/reject`: empty, or `{"reason": "..."}`.
    public static func rejectSettlement(_ body: Data) throws(InvalidInput) -> ConsumerCommand {
        guard case .withdraw(let reason) = try withdraw(body) else { return .rejectSettlement(reason: nil) }
        return .rejectSettlement(reason: reason)
    }

    /// The body of `POST /v1/complaints/{number}/feedback`: `{"satisfaction": 1...5, "comment": "..."}`.
    public static func feedback(_ body: Data) throws(InvalidInput) -> ConsumerCommand {
        let object = try JSONBody.object(body, expected: "{\"satisfaction\": 1 to 5, \"comment\": \"...\"}")
        var problems = StationDraft.unknownFields(object, allowed: ["satisfaction", "comment"], prefix: "")
        problems += FreeText.problems(in: object)
        problems += nullFields(object)
        // Typed decoding accepts a JSON integer only (not true, not 4.5, not "5").
        struct Rating: Decodable { let satisfaction: Int }
        let rating = try? JSONDecoder().decode(Rating.self, from: body)
        let satisfaction = rating.map(\.satisfaction).flatMap { (1...5).contains($0) ? $0 : nil }
        if satisfaction == nil {
            problems.append(InvalidParameter(name: "satisfaction", reason: "expected an integer from 1 (very dissatisfied) to 5 (very satisfied)"))
        }
        let comment = optionalText(object["comment"], name: "comment", problems: &problems)
        guard problems.isEmpty, let satisfaction else { throw InvalidInput(firstPerField(problems)) }
        return .feedback(satisfaction: satisfaction, comment: comment)
    }

    /// The body of `POST /v1/complaints/{number}/withdraw`: empty, or `{"reason": "..."}`.
    public static func withdraw(_ body: Data) throws(InvalidInput) -> ConsumerCommand {
        guard !body.allSatisfy({ [0x20, 0x0A, 0x0D, 0x09].contains($0) }) else { return .withdraw(reason: nil) }
        let object = try JSONBody.object(body, expected: "nothing or {\"reason\": \"...\"}")
        var problems = StationDraft.unknownFields(object, allowed: ["reason"], prefix: "")
        problems += FreeText.problems(in: object)
        problems += nullFields(object)
        let reason = optionalText(object["reason"], name: "reason", problems: &problems)
        guard problems.isEmpty else { throw InvalidInput(problems) }
        return .withdraw(reason: reason)
    }

    private static func optionalText(_ raw: Any?, name: String, problems: inout [InvalidParameter]) -> String? {
        guard let raw, !(raw is NSNull) else { return nil }
        guard let raw = raw as? String, raw.unicodeScalars.count <= 500 else {
            problems.append(InvalidParameter(name: name, reason: "expected a string of at most 500 characters"))
            return nil
        }
        let text = raw.cleaned
        return text.isEmpty ? nil : text
    }
}

/// What an enterprise of the direct train answers about a complaint sent to it.
public enum EnterpriseCommand: Sendable, Hashable {
    /// `POST /v1/enterprise/complaints/{number}/settle` `{"agreement": "退货并退款199元"}`.
    case settle(agreement: String)
    /// `POST /v1/enterprise/complaints/{number}/decline` `{"reason": "..."}`.
    case decline(reason: String)

    public var action: ComplaintAction {
        switch self {
        case .settle: .settle
        case .decline: .decline
        }
    }

    /// - Throws: ``InvalidInput`` naming the field.
    public static func validate(_ body: Data, action: ComplaintAction) throws(InvalidInput) -> EnterpriseCommand {
        let field = action == .settle ? "agreement" : "reason"
        let object = try JSONBody.object(body, expected: "{\"\(field)\": \"...\"}")
        var problems = StationDraft.unknownFields(object, allowed: [field], prefix: "")
        problems += FreeText.problems(in: object)
        problems += nullFields(object)
        let raw = object[field] as? String
        let text = raw?.cleaned
        if raw == nil || text == nil || !ComplaintIntake.fits(raw!, trimmed: text!, max: 500) {
            problems.append(InvalidParameter(name: field, reason: "is required: \(action == .settle ? "what was agreed with the consumer" : "why"), in 1 to 500 characters"))
        }
        guard problems.isEmpty, let text else { throw InvalidInput(firstPerField(problems)) }
        return action == .settle ? .settle(agreement: text) : .decline(reason: text)
    }
}

/// One problem per field: the first found (a null field is not also "missing" or "of the wrong type").
func firstPerField(_ problems: [InvalidParameter]) -> [InvalidParameter] {
    var seen: Set<String> = []
    return problems.filter { seen.insert($0.name).inserted }
}

/// Optional fields are left out, never null: null is not one of their types.
func nullFields(_ object: [String: Any]) -> [InvalidParameter] {
    object.filter { $0.value is NSNull }.keys.sorted().map { InvalidParameter(name: $0, reason: "is null: leave the field out instead") }
}
