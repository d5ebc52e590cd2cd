import Foundation
import LiaisonCore
import Testing

/// What consumers and enterprises must never see of a complaint: staff token names and the
/// notes staff and the service wrote for staff. Staff see everything.
@Suite struct ConsumerViewPrivacyTests {
    typealias View = ComplaintViewTests
    static let at = View.submitted
    static let internalNote = "mediation deadline not set: no working calendar for 2027 in geodata/working-calendar.json"

    /// A timeline with a token's name and internal notes on every kind of event.
    static func timeline() -> (Complaint, [ComplaintEvent]) {
        var complaint = View.complaint(status: .accepted)
        complaint.assignmentReason = "reassigned by xihu-chen-token: 商家是站长亲戚，回避"
        complaint.urgent = Complaint.Urgent(reason: "内部：该消费者多次来电", markedAt: at, dueBy: at.addingTimeInterval(86400))
        let station = View.station.id
        let events = [
            ComplaintEvent(seq: 1, ordinal: 1, at: at, actor: "consumer", action: .submit, from: nil, to: .submitted, stationID: nil,
                           note: "repeats ZJ-20261101-000007 (same consumer and merchant within 30 days)"),
            ComplaintEvent(seq: 2, ordinal: 2, at: at, actor: "system", action: .assign, from: .submitted, to: .assigned, stationID: station,
                           note: "nearest station offering video mediation in 西湖区 with free capacity, 1.23 km"),
            ComplaintEvent(seq: 3, ordinal: 3, at: at, actor: "xihu-chen-token", action: .reassign, from: .assigned, to: .assigned, stationID: station,
                           note: "商家是站长亲戚，回避"),
            ComplaintEvent(seq: 4, ordinal: 4, at: at, actor: "xihu-chen-token", action: .mark_urgent, from: .assigned, to: .assigned, stationID: station,
                           note: "内部：该消费者多次来电"),
            ComplaintEvent(seq: 5, ordinal: 5, at: at, actor: "xihu-chen-token", action: .accept, from: .assigned, to: .accepted, stationID: station,
                           note: internalNote),
        ]
        return (complaint, events)
    }

    static func json(_ audience: ComplaintView.Audience, language: Language = .english) throws -> (text: String, object: [String: Any]) {
        let (complaint, events) = timeline()
        let data = try JSONOutput.encode(ComplaintView(complaint, events: events, snapshot: Geodata.snapshot, audience: audience,
                                                       videoBaseURL: View.videoBase, language: language))
        return (String(decoding: data, as: UTF8.self), try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]))
    }

    @Test(arguments: [ComplaintView.Audience.consumer, .enterprise])
    func noTokenNameAndNoInternalNote(audience: ComplaintView.Audience) throws {
        let (text, view) = try Self.json(audience)
        for secret in ["xihu-chen-token", "商家是站长亲戚", "多次来电", "working-calendar.json", "repeats ZJ-20261101-000007"] {
            #expect(!text.contains(secret), "\(audience) sees \(secret)")
        }
        let events = try #require(view["events"] as? [[String: Any]])
        #expect(events.allSatisfy { $0["note"] == nil })
        #expect(Set(events.compactMap { $0["actor"] as? String }).isSubset(of: ["consumer", "system", "station_staff", "enterprise"]))
        #expect(view["assignment_reason"] == nil, "staff reassigned it: the reason is theirs")
        #expect((view["urgent"] as? [String: Any])?["reason"] as? String == ComplaintView.staffUrgentReason)
    }

    @Test func staffSeeEverything() throws {
        let (text, view) = try Self.json(.staff(seesPhone: true))
        for shown in ["xihu-chen-token", "商家是站长亲戚", "多次来电", "working-calendar.json", "repeats ZJ-20261101-000007"] {
            #expect(text.contains(shown), "\(shown)")
        }
        #expect((view["events"] as? [[String: Any]])?.last?["actor"] as? String == "xihu-chen-token")
    }

    /// The consumer keeps what they wrote, and the policy's reason when the policy chose the station.
    @Test func theConsumerSeesTheirOwnNotesAndThePolicysReason() throws {
        var complaint = View.complaint(status: .withdrawn)
        complaint.assignmentReason = "nearest station offering video mediation in 西湖区 with free capacity, 1.23 km"
        let events = [
            ComplaintEvent(seq: 1, ordinal: 1, at: Self.at, actor: "system", action: .assign, from: .submitted, to: .assigned, stationID: View.station.id,
                           note: "nearest"),
            ComplaintEvent(seq: 2, ordinal: 2, at: Self.at, actor: "consumer", action: .withdraw, from: .assigned, to: .withdrawn, stationID: nil,
                           note: "已与商家自行协商解决"),
        ]
        let data = try JSONOutput.encode(ComplaintView(complaint, events: events, snapshot: Geodata.snapshot, audience: .consumer, videoBaseURL: View.videoBase))
        let view = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect((view["events"] as? [[String: Any]])?.map { $0["note"] as? String } == [nil, "已与商家自行协商解决"])
        #expect((view["assignment_reason"] as? String)?.contains("西湖区") == true)
    }

    /// Chinese labels only in a consumer's view asked for in Chinese; times are +08:00 for everyone.
    @Test func chineseLabelsForTheConsumer() throws {
        let (_, chinese) = try Self.json(.consumer, language: .chinese)
        #expect(chinese["status_label"] as? String == "已受理")
        let events = try #require(chinese["events"] as? [[String: Any]])
        #expect(events.map { $0["action_label"] as? String } == ["提交投诉", "分派联络站", "改派", "标记紧急", "受理"])
        #expect(events.map { $0["actor_label"] as? String } == ["消费者", "系统", "站点工作人员", "站点工作人员", "站点工作人员"])
        let (_, english) = try Self.json(.consumer)
        #expect(english["status_label"] == nil && (english["events"] as? [[String: Any]])?.first?["action_label"] == nil)
        let (_, staff) = try Self.json(.staff(seesPhone: true), language: .chinese)
        #expect(staff["status_label"] == nil, "staff tooling stays English")
        for view in [chinese, english, staff] {
            #expect((view["submitted_at"] as? String)?.hasSuffix("+08:00") == true)
            #expect((view["events"] as? [[String: Any]])?.allSatisfy { ($0["at"] as? String)?.hasSuffix("+08:00") == true } == true)
        }
    }
}
