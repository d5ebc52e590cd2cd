import Foundation
import LiaisonCore
import Testing

@Suite struct StaffCommandTests {
    static func validate(_ json: String) throws(InvalidInput) -> StaffCommand {
        try StaffCommand.validate(Data(json.utf8))
    }

    /// The names a body is rejected with, or nil when it is accepted.
    static func rejected(_ json: String) -> [String]? {
        do {
            _ = try validate(json)
            return nil
        } catch {
            return error.parameters.map(\.name)
        }
    }

    @Test(arguments: ["accept", "schedule", "start_mediation", "resolve", "close", "refuse", "reassign", "fail"])
    func everyStaffActionIsAcceptedWithWhatItNeeds(action: String) throws {
        var body = #"{"action":"\#(action)","note":"ok""#
        if action == "schedule" { body += #","starts_at":"2026-12-02T10:00:00+08:00""# }
        let command = try Self.validate(body + "}")
        #expect(command.action.rawValue == action)
        #expect(command.note == "ok")
    }

    @Test(arguments: ["refuse", "reassign", "fail"])
    func aNoteIsRequiredToRefuseReassignOrFail(action: String) throws {
        #expect(Self.rejected(#"{"action":"\#(action)"}"#) == ["note"])
        #expect(Self.rejected(#"{"action":"\#(action)","note":null}"#) == ["note"])
        #expect(Self.rejected(#"{"action":"\#(action)","note":"  "}"#) == ["note"])
        let error = try #require(throws: InvalidInput.self) { try Self.validate(#"{"action":"\#(action)"}"#) }
        #expect(error.parameters[0].reason.contains("required for \(action)"), "\(error)")
        let command = try Self.validate(#"{"action":"\#(action)","note":"  not a consumer dispute \n"}"#)
        #expect(command.note == "not a consumer dispute")
    }

    @Test(arguments: ["accept", "start_mediation", "resolve", "close"])
    func aNoteIsOptionalOtherwise(action: String) throws {
        let command = try Self.validate(#"{"action":"\#(action)"}"#)
        #expect(command.note == nil)
        #expect(command.stationID == nil && command.startsAt == nil)
    }

    @Test func notesAreAtMost500Characters() throws {
        #expect(try Self.validate(#"{"action":"refuse","note":"\#(String(repeating: "因", count: 500))"}"#).note?.count == 500)
        #expect(Self.rejected(#"{"action":"refuse","note":"\#(String(repeating: "因", count: 501))"}"#) == ["note"])
        #expect(Self.rejected(#"{"action":"accept","note":42}"#) == ["note"])
    }

    @Test func stationIDOnlyWithReassign() throws {
        let command = try Self.validate(#"{"action":"reassign","station_id":"330106-0003","note":"closer to the consumer's home"}"#)
        #expect(command.action == .reassign)
        #expect(command.stationID == "330106-0003")
        #expect(try Self.validate(#"{"action":"reassign","note":"let the policy choose"}"#).stationID == nil)
        #expect(Self.rejected(#"{"action":"accept","station_id":"330106-0003"}"#) == ["station_id"])
        #expect(Self.rejected(#"{"action":"refuse","note":"no","station_id":"330106-0003"}"#) == ["station_id"])
        #expect(Self.rejected(#"{"action":"reassign","note":"x","station_id":"330106"}"#) == ["station_id"])
        #expect(Self.rejected(#"{"action":"reassign","note":"x","station_id":3301060003}"#) == ["station_id"])
    }

    @Test func startsAtRequiredForScheduleAndOnlyThere() throws {
        let command = try Self.validate(#"{"action":"schedule","starts_at":"2026-12-02T10:00:00+08:00"}"#)
        #expect(command.action == .schedule)
        #expect(command.startsAt == Date(timeIntervalSince1970: 1_796_176_800))   // 2026-12-02T02:00:00Z
        #expect(try Self.validate(#"{"action":"schedule","starts_at":"2026-12-02T02:00:00Z"}"#).startsAt == command.startsAt)
        #expect(Self.rejected(#"{"action":"schedule"}"#) == ["starts_at"])
        #expect(Self.rejected(#"{"action":"schedule","starts_at":null}"#) == ["starts_at"])
        #expect(Self.rejected(#"{"action":"schedule","starts_at":"2026-12-02 10:00"}"#) == ["starts_at"])
        #expect(Self.rejected(#"{"action":"schedule","starts_at":"next tuesday"}"#) == ["starts_at"])
        #expect(Self.rejected(#"{"action":"schedule","starts_at":1796176800}"#) == ["starts_at"])
        #expect(Self.rejected(#"{"action":"accept","starts_at":"2026-12-02T10:00:00+08:00"}"#) == ["starts_at"])
    }

    @Test(arguments: ["withdraw", "feedback", "confirm_appointment", "submit", "assign", "overdue", "explode", "ACCEPT"])
    func nonStaffActionsAreRejected(action: String) throws {
        #expect(Self.rejected(#"{"action":"\#(action)"}"#) == ["action"])
        let error = try #require(throws: InvalidInput.self) { try Self.validate(#"{"action":"\#(action)"}"#) }
        #expect(error.parameters[0].reason.contains(ComplaintAction.staffActionNames), "\(error)")
    }

    @Test func malformedBodies() {
        #expect(Self.rejected("{}") == ["action"])
        #expect(Self.rejected(#"{"action":7}"#) == ["action"])
        #expect(Self.rejected(#"{"action":"accept","reason":"x"}"#) == ["reason"])
        #expect(Self.rejected("") == ["body"])
        #expect(Self.rejected(#"["accept"]"#) == ["body"])
    }
}

@Suite struct ConsumerCommandTests {
    static func feedback(_ json: String) throws(InvalidInput) -> ConsumerCommand {
        try ConsumerCommand.feedback(Data(json.utf8))
    }

    static func rejectedFeedback(_ json: String) -> [String]? {
        do {
            _ = try feedback(json)
            return nil
        } catch {
            return error.parameters.map(\.name)
        }
    }

    @Test(arguments: 1...5)
    func satisfactionFrom1To5(rating: Int) throws {
        #expect(try Self.feedback(#"{"satisfaction":\#(rating)}"#) == .feedback(satisfaction: rating, comment: nil))
        #expect(try Self.feedback(#"{"satisfaction":\#(rating)}"#).action == .feedback)
    }

    @Test(arguments: ["0", "6", "-1", "4.5", "true", "\"5\"", "null", "[5]"])
    func satisfactionMustBeAnIntegerFrom1To5(value: String) {
        #expect(Self.rejectedFeedback(#"{"satisfaction":\#(value)}"#) == ["satisfaction"])
    }

    @Test func feedbackComments() throws {
        #expect(try Self.feedback(#"{"satisfaction":4,"comment":"  调解员很耐心 "}"#) == .feedback(satisfaction: 4, comment: "调解员很耐心"))
        #expect(try Self.feedback(#"{"satisfaction":4,"comment":""}"#) == .feedback(satisfaction: 4, comment: nil))
        #expect(try Self.feedback(#"{"satisfaction":4,"comment":"\#(String(repeating: "好", count: 500))"}"#)
            == .feedback(satisfaction: 4, comment: String(repeating: "好", count: 500)))
        #expect(Self.rejectedFeedback(#"{"satisfaction":4,"comment":"\#(String(repeating: "好", count: 501))"}"#) == ["comment"])
        #expect(Self.rejectedFeedback(#"{"satisfaction":4,"comment":5}"#) == ["comment"])
        #expect(Self.rejectedFeedback(#"{"satisfaction":4,"stars":5}"#) == ["stars"])
        #expect(Self.rejectedFeedback("{}") == ["satisfaction"])
        #expect(Self.rejectedFeedback("") == ["body"])
    }

    @Test(arguments: ["", " ", "\n\t ", "\r\n"])
    func withdrawWithAnEmptyBody(body: String) throws {
        #expect(try ConsumerCommand.withdraw(Data(body.utf8)) == .withdraw(reason: nil))
    }

    @Test func withdrawWithAReason() throws {
        #expect(try ConsumerCommand.withdraw(Data(#"{"reason":" 商家已退款 "}"#.utf8)) == .withdraw(reason: "商家已退款"))
        #expect(try ConsumerCommand.withdraw(Data("{}".utf8)) == .withdraw(reason: nil))
        #expect(try ConsumerCommand.withdraw(Data("{}".utf8)).action == .withdraw)
        #expect(ConsumerCommand.confirmAppointment.action == .confirm_appointment)
        let unknown = #expect(throws: InvalidInput.self) { try ConsumerCommand.withdraw(Data(#"{"why":"x"}"#.utf8)) }
        #expect(unknown?.parameters.map(\.name) == ["why"])
        let notObject = #expect(throws: InvalidInput.self) { try ConsumerCommand.withdraw(Data("because".utf8)) }
        #expect(notObject?.parameters.map(\.name) == ["body"])
        let tooLong = #expect(throws: InvalidInput.self) {
            try ConsumerCommand.withdraw(Data(#"{"reason":"\#(String(repeating: "退", count: 501))"}"#.utf8))
        }
        #expect(tooLong?.parameters.map(\.name) == ["reason"])
    }
}
