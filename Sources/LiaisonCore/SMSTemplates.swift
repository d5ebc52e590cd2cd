import Foundation

/// One text message to send, as the outbox holds it.
public struct SMSMessage: Sendable, Hashable {
    public enum Recipient: String, Sendable, Hashable, Codable {
        case consumer, staff
        /// The complaints contact of an enterprise in the direct train.
        case enterprise
    }

    /// Stable: `NUMBER-SEQ-c` for the consumer, `NUMBER-SEQ-sN` for the Nth staff member,
    /// `NUMBER-SEQ-e` for the enterprise, so a
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

    /// Events that hand a complaint on to a station: when an assignment follows in the same
    /// transaction, the assignment's text says both.
    static let handingOn: Set<ComplaintAction> = [.submit, .refuse, .decline, .timeout, .recall, .reject_settlement]

    /// The messages for the events one transaction appended (with their seqs), in order.
    ///
    /// - Parameters:
    ///   - complaint: the complaint after those events.
    ///   - station: looks a station up by id (the snapshot's).
    ///   - court: looks a court up by id (for a hand-off).
    ///   - enterprisePhone: the complaints contact of the complaint's direct-train enterprise.
    ///   - consumerLink: the mini-program page of a complaint, `{number}` standing for its
    ///     number: the consumer's texts end with it when it fits in ``maxCharacters``.
    public static func messages(for events: [ComplaintEvent], complaint: Complaint, station: (String) -> Station?,
                                court: (String) -> Court? = { _ in nil }, enterprisePhone: String? = nil,
                                consumerLink: String? = nil) -> [SMSMessage] {
        var messages: [SMSMessage] = []
        for (i, event) in events.enumerated() {
            let later = events[(i + 1)...]
            // submit (and a step that hands the complaint on) is announced with its assignment
            // (or as waiting) by the last event of the transaction.
            if handingOn.contains(event.action), later.contains(where: { $0.action == .assign }) { continue }
            // A referral to the direct train's enterprise announces the intake itself.
            if event.action == .submit, later.contains(where: { $0.action == .refer }) { continue }
            let assigned = event.stationID.flatMap(station)
            let handedOn = events[..<i].contains { handingOn.contains($0.action) && $0.action != .submit }
            if let text = consumerText(event, complaint: complaint, station: assigned, afterRefusal: handedOn, court: court)
                .map({ linked($0, consumerLink, number: complaint.number) }) {
                messages.append(SMSMessage(id: "\(complaint.number)-\(event.seq)-c", number: complaint.number, eventSeq: event.seq, recipient: .consumer,
                                           phone: complaint.intake.consumerPhone, template: "consumer.\(event.action.rawValue)", text: text))
            }
            let toStation: Set<ComplaintAction> = [.assign, .reassign, .claim, .reopen, .mark_urgent]
            if toStation.contains(event.action), let assigned {
                let text = staffText(complaint: complaint, station: assigned, action: event.action)
                for (n, member) in assigned.staff.enumerated() {
                    messages.append(SMSMessage(id: "\(complaint.number)-\(event.seq)-s\(n)", number: complaint.number, eventSeq: event.seq, recipient: .staff,
                                               phone: member.mobile, template: "staff.\(event.action.rawValue)", text: text))
                }
            }
            if event.action == .refer, let phone = enterprisePhone, let train = complaint.directTrain {
                let text = signature + "直通车新投诉\(complaint.number)（\(complaint.intake.category.label)），请于\(localDay(train.settleBy))前与消费者协商并在系统中答复和解或不和解。"
                messages.append(SMSMessage(id: "\(complaint.number)-\(event.seq)-e", number: complaint.number, eventSeq: event.seq, recipient: .enterprise,
                                           phone: phone, template: "enterprise.refer", text: text))
            }
        }
        return messages
    }

    /// `text` ending with the complaint's page (`查看详情：URL`) when there is one and it fits in
    /// ``maxCharacters``; else `text` as it is (a third SMS segment costs more than the link is worth,
    /// and the consumer can open the mini-program and find the complaint by its number).
    static func linked(_ text: String, _ template: String?, number: String) -> String {
        guard let template else { return text }
        let withLink = text + "查看详情：" + template.replacingOccurrences(of: "{number}", with: number)
        return withLink.count <= maxCharacters ? withLink : text
    }

    static func consumerText(_ event: ComplaintEvent, complaint c: Complaint, station: Station?, afterRefusal: Bool,
                             court: (String) -> Court? = { _ in nil }) -> String? {
        let n = c.number
        let name = station.map { shortName($0.name) } ?? ""
        let phone = station?.phone ?? ""
        let mode = c.mode == .video ? "视频调解" : "线下调解"
        let body: String?
        switch event.action {
        case .submit:
            body = "您的投诉已收到并登记，编号\(n)。正在为您安排联络站，将在2小时内分派。"
        case .assign where event.from == .submitted && !afterRefusal:
            body = "您的投诉已收到并登记，编号\(n)，已分派至\(name)（\(phone)）\(mode)，站点将在24小时内联系您。"
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
        case .refer:
            let train = c.directTrain
            body = "您的投诉已收到并登记，编号\(n)，已转\(shortName(train?.enterpriseName ?? "商家"))直接处理（直通车），企业将于\(train.map { localDay($0.settleBy) } ?? "")前与您协商；未和解的转联络站调解。"
        case .settle:
            body = "企业就您的投诉\(n)提出和解方案，请在小程序查看，\(c.directTrain?.replyBy.map { "并于" + localDay($0) + "前接受或拒绝，逾期视为接受。" } ?? "并尽快接受或拒绝。")"
        case .decline where event.to == .declined:
            body = "您的投诉\(n)经审查不予受理，原因：\(c.decline?.reason.label ?? "不符合受理条件")。如有异议可拨打12315，或依法申请仲裁、向人民法院起诉。"
        case .decline, .timeout, .recall, .reject_settlement:
            body = "您的投诉\(n)未能与企业和解，正在为您安排联络站调解。"
        case .accept_settlement:
            body = "您已接受投诉\(n)的和解方案，请在小程序对本次服务评价。"
        case .lapse:
            body = "投诉\(n)的和解方案回复期已过，视为接受。如有异议请拨打12315。"
        case .mark_urgent:
            body = "您的投诉\(n)已列为紧急件，将于\(c.urgent.map { localTime($0.dueBy) } ?? "24小时内")前调解或核实。"
        case .verify:
            body = "您的紧急投诉\(n)已由站点核实，正在处理中。"
        case .open_review:
            body = "您对投诉\(n)的处理结果不满意，县级市场监管部门将\(c.review?.dueBy.map { "于" + localDay($0) + "前" } ?? "尽快")复核并告知结果。"
        case .uphold:
            body = "投诉\(n)复核结果：维持原处理结果。如有异议可拨打12315。"
        case .reopen:
            body = "投诉\(n)复核决定重新调解，已转至\(name)（\(phone)），站点将尽快联系您。"
        case .hand_off:
            let desk = c.courtHandoff.flatMap { court($0.courtID) }
            body = "您的投诉\(n)已移交\(desk.map { shortName($0.name) } ?? "人民法院")（\(desk?.phone ?? "")）诉调对接，法院将与您联系。"
        case .deadline_update:
            let changed = [("受理期限", ServiceDeadline.acceptance, "acceptance"), ("调解期限", ServiceDeadline.mediation, "mediation")].compactMap { label, kind, name in
                (event.note?.split(separator: ";").contains { $0.trimmingCharacters(in: .whitespaces).hasPrefix(name + " ") } == true)
                    ? c.deadline(kind).map { label + localDay($0) } : nil
            }
            body = changed.isEmpty ? nil : "您的投诉\(n)按国务院节假日安排调整\(changed.joined(separator: "、"))。"
        case .overdue, .return_visit:
            body = nil
        }
        return body.map { signature + $0 }
    }

    static func staffText(complaint c: Complaint, station: Station, action: ComplaintAction = .assign) -> String {
        if let urgent = c.urgent, urgent.metAt == nil {
            return signature + "【紧急】投诉\(c.number)（\(c.intake.category.label)）在\(shortName(station.name))，请于\(localTime(urgent.dueBy))前调解或核实。"
        }
        let due = c.deadlines.respondBy.map { "请于\(localTime($0))前响应" } ?? "请尽快响应"
        let what = action == .reopen ? "复核重新调解投诉" : "新投诉"
        return signature + "\(what)\(c.number)（\(c.intake.category.label)，\(c.mode == .video ? "视频" : "线下")调解）已分派至\(shortName(station.name))，\(due)。"
    }

    /// `12月8日` in Asia/Shanghai: the last day of a window ending at 00:00 of the next day.
    static func localDay(_ exclusiveEnd: Date) -> String {
        let t = ShanghaiTime(exclusiveEnd.addingTimeInterval(-1))
        return "\(t.month)月\(t.day)日"
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
