import Foundation
import LiaisonCore

extension CaseFile {
    /// The case file laid out for ``CaseFilePDF``: the same facts as the JSON, in Chinese.
    public var document: CaseFileDocument {
        let c = source
        func local(_ date: Date?) -> String {
            guard let date else { return "—" }
            let t = ShanghaiTime(date)
            return String(format: "%04d-%02d-%02d %02d:%02d", t.year, t.month, t.day, t.minuteOfDay / 60, t.minuteOfDay % 60)
        }
        var sections: [CaseFileDocument.Section] = []
        sections.append(.init(heading: "一、投诉概况", rows: [
            .init("投诉编号", c.number),
            .init("登记时间", local(c.submittedAt)),
            .init("所属县（市、区）", countyName),
            .init("投诉类别", c.intake.category.label),
            .init("争议金额", c.intake.amountFen.map { String(format: "%.2f 元", Double($0) / 100) } ?? "未填写"),
            .init("调解方式", c.mode == .video ? "视频调解" : "线下调解"),
            .init("当前状态", c.status.label),
        ], paragraphs: ["投诉内容：" + c.intake.description]))
        var parties: [CaseFileDocument.Row] = [
            .init("消费者", c.intake.consumerName + "（" + MobileNumber.masked(c.intake.consumerPhone) + "）"),
            .init("经营者", c.intake.merchantName),
            .init("经营者地址", c.intake.merchantAddress ?? "未填写"),
            .init("统一社会信用代码", c.intake.merchantCode ?? "未填写"),
        ]
        if let station { parties.append(.init("调解联络站", "\(station.name)（\(station.phone)，\(station.address.line)）")) }
        if let train = c.directTrain { parties.append(.init("直通车企业", "\(train.enterpriseName)（\(train.enterpriseCode)）")) }
        sections.append(.init(heading: "二、当事人及调解组织", rows: parties))
        var sessions: [[String]] = []
        if let a = c.appointment { sessions.append(["线下调解", local(a.startsAt), a.confirmed ? "已确认" : "待确认"]) }
        if let v = c.video { sessions.append(["视频调解", local(v.scheduledAt), v.confirmed ? "已确认" : "待确认"]) }
        sections.append(.init(heading: "三、调解安排", table: sessions.isEmpty ? nil : .init(columns: ["方式", "时间", "状态"], widths: [1, 2, 1], rows: sessions),
                              paragraphs: sessions.isEmpty ? ["无调解安排记录。"] : []))
        var ending: [CaseFileDocument.Row] = [
            .init("调解结果", outcome.outcome == "failed" ? "调解未达成协议" : outcome.outcome == "resolved" ? "调解成功" : "未结束"),
            .init("结果时间", local(c.milestones.outcomeAt)),
            .init("原因", outcome.reason ?? "—"),
        ]
        if let s = outcome.satisfaction { ending.append(.init("消费者评价", "\(s)/5")) }
        sections.append(.init(heading: "四、调解结果", rows: ending))
        if let court {
            sections.append(.init(heading: "五、移交法院", rows: [
                .init("接收单位", court.name),
                .init("地址", court.address),
                .init("电话", court.phone),
                .init("移交时间", local(c.courtHandoff?.at)),
            ], paragraphs: court_register_synthetic ? ["注：法院名录为合成示例数据，正式使用前须替换为真实名录。"] : []))
        }
        let timeline = events.map { [local($0.at), $0.actor, $0.action.rawValue, ($0.from?.rawValue ?? "—") + " → " + $0.to.rawValue, $0.note ?? ""] }
        sections.append(.init(heading: "六、办理经过", table: .init(columns: ["时间", "操作人", "动作", "状态", "说明"], widths: [2.2, 1.6, 1.5, 2.4, 4], rows: timeline)))
        return CaseFileDocument(title: "消费纠纷诉调对接案卷", subtitle: "投诉编号 \(c.number)",
                                footer: "\(c.number) · 浙江省消费维权联络站 · 生成于 \(local(Timestamp.parse(generated_at)))", sections: sections)
    }
}
