import Foundation

/// One text message to send, as the outbox holds it.
public struct SMSMessage: Sendable, Hashable {
    public enum Recipient: String, Sendable, Hashable, Codable {
        case consumer, staff
    }

    /// Stable: `NUMBER-SEQ-c` for the consumer, `NUMBER-SEQ-sN` for the Nth staff member, so a
    /// gateway that sees an id twice (at-least-once delivery) can drop the repeat.
    public let id: String
    public let number: String
    public let eventSeq: Int
    public let recipient: Recipient
    /// 11-digit mobile.
    public let phone: String
    /// The template's name (`consumer.accept`, `staff.assign`...).
    public let template: String
    public let text: String

    public init(id: String, number: String, eventSeq: Int, recipient: Recipient, phone: String, template: String, text: String) {
        self.id = id
        self.number = number
        self.eventSeq = eventSeq
        self.recipient = recipient
        self.phone = phone
        self.template = template
        self.text = text
    }
}

/// Every text message the service sends, in one place: Chinese, signed, at most two SMS
/// segments (``maxCharacters``), each with the complaint number and what happens next.
///
/// The consumer hears about every step; the staff of a station hear when a complaint is
/// assigned or reassigned to it. A refusal the desk reassigns at once is announced by the
/// reassignment alone (one message, not two).
public enum SMSTemplates {
    public static let signature = "【浙江消保】"
    /// Two concatenated UCS-2 segments of 67 characters.
    public static let maxCharacters = 134
    /// Longer station names are shortened (with …) so every message fits.
    static let maxStationName = 20

    /// The messages for the events one transaction appended (with their seqs), in order.
    ///
    /// - Parameters:
    ///   - complaint: the complaint after those events.
    ///   - station: looks a station up by id (the snapshot's).
    public static func messages(for events: [ComplaintEvent], complaint: Complaint, station: (String) -> Station?) -> [SMSMessage] {
        var messages: [SMSMessage] = []
        for (i, event) in events.enumerated() {
            let later = events[(i + 1)...]
            // submit is announced with its assignment (or as waiting) by the last event of intake.
            if event.action == .submit, later.contains(where: { $0.action == .assign }) { continue }
            if event.action == .refuse, later.contains(where: { $0.action == .assign }) { continue }
            let assigned = event.stationID.flatMap(station)
            if let text = consumerText(event, complaint: complaint, station: assigned, afterRefusal: events[..<i].contains { $0.action == .refuse }) {
                messages.append(SMSMessage(id: "\(complaint.number)-\(event.seq)-c", number: complaint.number, eventSeq: event.seq, recipient: .consumer,
                                           phone: complaint.intake.consumerPhone, template: "consumer.\(event.action.rawValue)", text: text))
            }
            if event.action == .assign || event.action == .reassign || event.action == .claim, let assigned {
                let text = staffText(complaint: complaint, station: assigned)
                for (n, member) in assigned.staff.enumerated() {
                    messages.append(SMSMessage(id: "\(complaint.number)-\(event.seq)-s\(n)", number: complaint.number, eventSeq: event.seq, recipient: .staff,
                                               phone: member.mobile, template: "staff.\(event.action.rawValue)", text: text))
                }
            }
        }
        return messages
    }

    static func consumerText(_ event: ComplaintEvent, complaint c: Complaint, station: Station?, afterRefusal: Bool) -> String? {
        let n = c.number
        let name = station.map { shortName($0.name) } ?? ""
        let phone = station?.phone ?? ""
        let mode = c.mode == .video ? "视频调解" : "线下调解"
        let body: String?
        switch event.action {
        case .submit:
            body = "您的投诉已受理，编号\(n)。正在为您安排联络站，将在2小时内分派。"
        case .assign where event.from == .submitted && !afterRefusal:
            body = "您的投诉已受理，编号\(n)，已分派至\(name)（\(phone)）\(mode)，站点将在24小时内联系您。"
        case .assign, .reassign, .claim:
            body = "您的投诉\(n)已转至\(name)（\(phone)）办理，站点将尽快联系您。"
        case .refuse:
            body = "您的投诉\(n)原站点无法办理，我们正在为您另行安排联络站。"
        case .accept:
            if let a = c.appointment {
                body = "站点已受理您的投诉\(n)，建议\(localTime(a.startsAt))在\(name)线下调解，请在小程序确认。"
            } else if let v = c.video {
                body = "站点已受理您的投诉\(n)，建议\(localTime(v.scheduledAt))视频调解，请在小程序确认并查看入会链接。"
            } else {
                body = "站点已受理您的投诉\(n)，将与您联系约定调解时间。"
            }
        case .schedule:
            let when = c.appointment?.startsAt ?? c.video?.scheduledAt
            body = "您的投诉\(n)调解时间改为\(when.map(localTime) ?? "待定")，请在小程序确认。"
        case .confirm_appointment:
            let when = c.appointment?.startsAt ?? c.video?.scheduledAt
            body = "您已确认投诉\(n)的调解时间\(when.map(localTime) ?? "")，请按时参加\(mode)。"
        case .start_mediation:
            body = "您的投诉\(n)已进入\(mode)，调解员将与您和商家沟通。"
        case .resolve:
            body = "您的投诉\(n)已调解成功，请在小程序对本次服务评价。"
        case .fail:
            body = "您的投诉\(n)调解未达成协议，可拨打12315继续投诉，或依法申请法院调解、仲裁或起诉。"
        case .close:
            body = "您的投诉\(n)已办结，感谢您的信任。"
        case .feedback:
            body = "感谢您对投诉\(n)的评价，投诉已办结。"
        case .withdraw:
            body = "您的投诉\(n)已撤回。如需帮助，可随时再次投诉。"
        case .overdue:
            body = nil
        }
        return body.map { signature + $0 }
    }

    static func staffText(complaint c: Complaint, station: Station) -> String {
        let due = c.deadlines.respondBy.map { "请于\(localTime($0))前响应" } ?? "请尽快响应"
        return signature + "新投诉\(c.number)（\(c.intake.category.label)，\(c.mode == .video ? "视频" : "线下")调解）已分派至\(shortName(station.name))，\(due)。"
    }

    static func shortName(_ name: String) -> String {
        name.count <= maxStationName ? name : String(name.prefix(maxStationName - 1)) + "…"
    }

    /// `12月1日10:00` in Asia/Shanghai.
    public static func localTime(_ instant: Date) -> String {
        let t = ShanghaiTime(instant)
        return "\(t.month)月\(t.day)日" + String(format: "%02d:%02d", t.minuteOfDay / 60, t.minuteOfDay % 60)
    }
}
