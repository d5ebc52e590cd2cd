/// A value's name for people, in English and in Simplified Chinese.
public struct Label: Sendable, Hashable, Codable {
    public let en: String
    public let zh: String

    public init(_ en: String, _ zh: String) {
        self.en = en
        self.zh = zh
    }

    public func text(_ language: Language) -> String { language == .chinese ? zh : en }

    enum CodingKeys: String, CodingKey {
        case en
        case zh = "zh-CN"
    }
}

/// Every label the API shows: the one source of truth that `GET /v1/labels` serves, that the
/// `x-enum-labels` / `x-labels` extensions of openapi.json repeat (a test holds them equal), and
/// that Chinese answers (`Accept-Language: zh-CN`) use.
///
/// The switches are exhaustive, so a new status, action, category or mode does not compile
/// without its label. Terms follow the SMS texts (``SMSTemplates``) and the staff console
/// (受理, 不予受理, 调解, 视频调解, 线下调解, 已撤回, 已办结).
public enum Labels {
    public static func status(_ status: ComplaintStatus) -> Label {
        switch status {
        case .submitted: Label("Submitted", "已提交")
        case .assigned: Label("Assigned to a station", "已分派")
        case .accepted: Label("Accepted", "已受理")
        case .refused: Label("Being reassigned", "待重新分派")
        case .mediating: Label("In mediation", "调解中")
        case .resolved: Label("Resolved", "调解成功")
        case .failed: Label("Mediation failed", "调解未成")
        case .closed: Label("Closed", "已办结")
        case .withdrawn: Label("Withdrawn", "已撤回")
        case .with_enterprise: Label("With the enterprise (direct train)", "企业处理中（直通车）")
        case .settlement_offered: Label("Settlement offered", "待确认和解方案")
        case .declined: Label("Not accepted", "不予受理")
        }
    }

    /// An action as a timeline shows it. `decline` is staff's 不予受理 here; the enterprise's
    /// `decline` (while the complaint is with it) is ``enterpriseDecline``: see ``event(_:from:)``.
    public static func action(_ action: ComplaintAction) -> Label {
        switch action {
        case .submit: Label("Complaint submitted", "提交投诉")
        case .assign: Label("Assigned to a station", "分派联络站")
        case .overdue: Label("Deadline passed", "超时")
        case .refer: Label("Referred to the enterprise (direct train)", "转企业直通车")
        case .timeout: Label("Enterprise did not answer in time", "企业处理超时")
        case .recall: Label("Taken back from the enterprise", "收回企业处理")
        case .lapse: Label("Settlement stands (no reply in time)", "和解方案逾期视为接受")
        case .open_review: Label("Review opened", "启动复核")
        case .deadline_update: Label("Deadline adjusted", "时限调整")
        case .accept: Label("Accepted", "受理")
        case .refuse: Label("Refused by the station", "站点拒收")
        case .reassign: Label("Reassigned", "改派")
        case .schedule: Label("Mediation time proposed", "预约调解时间")
        case .start_mediation: Label("Mediation started", "开始调解")
        case .resolve: Label("Resolved", "调解成功")
        case .fail: Label("Mediation failed", "调解未成")
        case .close: Label("Closed", "办结")
        case .claim: Label("Taken over by a neighbouring county", "认领（边界投诉）")
        case .mark_urgent: Label("Marked urgent", "标记紧急")
        case .verify: Label("Urgent complaint verified", "核实紧急投诉")
        case .hand_off: Label("Handed to a court's mediation", "移交法院诉调对接")
        case .uphold: Label("Review: outcome upheld", "复核：维持结果")
        case .reopen: Label("Review: mediation reopened", "复核：重新调解")
        case .return_visit: Label("Return visit", "回访")
        case .settle: Label("Enterprise offered a settlement", "企业提出和解")
        case .decline: Label("Not accepted", "不予受理")
        case .confirm_appointment: Label("Appointment confirmed", "消费者确认预约")
        case .withdraw: Label("Withdrawn", "消费者撤回")
        case .feedback: Label("Feedback given", "消费者评价")
        case .accept_settlement: Label("Settlement accepted", "消费者接受和解")
        case .reject_settlement: Label("Settlement rejected", "消费者拒绝和解")
        }
    }

    /// The enterprise's `decline`: it will not settle, and the complaint goes on to a station.
    public static let enterpriseDecline = Label("Enterprise declined to settle", "企业不予和解")

    /// An event's action as its timeline shows it: `decline` by whoever took it.
    public static func event(_ action: ComplaintAction, from: ComplaintStatus?) -> Label {
        action.party(from: from) == .enterprise && action == .decline ? enterpriseDecline : self.action(action)
    }

    public static func category(_ category: ComplaintCategory) -> Label {
        let en = switch category {
        case .product_quality: "Product quality"
        case .service_quality: "Service quality"
        case .false_advertising: "False advertising"
        case .price: "Prices and charges"
        case .contract: "Contract dispute"
        case .prepaid_card: "Prepaid card"
        case .food_safety: "Food safety"
        case .after_sales: "After-sales service"
        case .online_shopping: "Online shopping"
        case .other: "Other"
        }
        return Label(en, category.label)
    }

    public static func mode(_ mode: MediationMode) -> Label {
        switch mode {
        case .offline: Label("Offline mediation at a station", "线下调解")
        case .video: Label("Online video mediation", "视频调解")
        }
    }

    public static func declineReason(_ reason: DeclineReason) -> Label {
        let en = switch reason {
        case .outside_remit: "Outside the market regulator's remit or this office's authority"
        case .handled_elsewhere: "The same dispute is already taken up or dealt with elsewhere"
        case .not_consumer_dispute: "Not daily consumption, or no consumer dispute shown"
        case .time_barred: "More than three years since the harm was known"
        case .incomplete: "Identity, contact or facts missing or unverifiable"
        case .other_legal: "Another case a law, regulation or rule excludes"
        }
        return Label(en, reason.label)
    }

    /// Who did something, as consumers and enterprises see events (never a token's name).
    public enum Actor: String, Sendable, CaseIterable {
        case consumer, system, station_staff, enterprise

        public var label: Label {
            switch self {
            case .consumer: Label("Consumer", "消费者")
            case .system: Label("System", "系统")
            case .station_staff: Label("Station staff", "站点工作人员")
            case .enterprise: Label("Enterprise", "企业")
            }
        }
    }

    /// The title of each problem type, by the slug its `type` URI ends with
    /// (`https://liaison.zj/problems/<slug>`). A test checks every slug the sources use is here.
    public static let problems: [String: Label] = [
        "invalid-parameters": Label("Invalid parameters", "参数无效"),
        "invalid-features": Label("Invalid features", "要素无效"),
        "outside-service-area": Label("Outside the service area", "不在服务区域内"),
        "not-found": Label("Not found", "未找到"),
        "forbidden": Label("Forbidden", "无权操作"),
        "unauthorized": Label("Unauthorized", "未通过身份认证"),
        "csrf": Label("Forbidden", "请求来源校验未通过"),
        "precondition-failed": Label("Precondition failed", "数据已变更，请刷新后重试"),
        "rate-limited": Label("Too many requests", "请求过于频繁，请稍后再试"),
        "body-too-large": Label("Content too large", "请求内容过大"),
        "headers-too-large": Label("Request header fields too large", "请求头过大"),
        "uri-too-long": Label("URI too long", "请求地址过长"),
        "method-not-allowed": Label("Method not allowed", "不支持该请求方法"),
        "unsupported-media-type": Label("Unsupported media type", "不支持的内容类型"),
        "internal": Label("Internal server error", "服务器内部错误"),
        "store-unavailable": Label("Service unavailable", "服务暂时不可用"),
        "storage-unavailable": Label("Service unavailable", "存储暂时无法写入"),
        "illegal-transition": Label("Not allowed in this state", "当前状态下不能进行该操作"),
        "nearby-station": Label("Another station is nearby", "附近已有联络站"),
        "duplicate-station": Label("The station seems registered already", "该联络站可能已登记"),
        "state-conflict": Label("Conflict", "状态冲突"),
        "conflict": Label("Conflict", "冲突"),
        "idempotency-key-reused": Label("Idempotency-Key reused", "幂等键已用于另一请求"),
        "unfulfillable": Label("Cannot be done now", "目前无法办理"),
        "preferred-station-ineligible": Label("The chosen station cannot take this complaint", "所选联络站无法受理该投诉"),
        "station-holds-complaints": Label("The station holds complaints that cannot move", "该联络站仍有无法转出的投诉"),
    ]

    /// A problem's Chinese title: its type's, else one by status class (`http-NNN` types).
    public static func problemTitle(kind: String, status: Int) -> String {
        problems[kind]?.zh ?? (status >= 500 ? "服务器错误" : "请求无法处理")
    }

    /// What `GET /v1/labels` answers: each section maps a value (as the API writes it) to its labels.
    public struct Catalogue: Sendable, Encodable {
        public let status: [String: Label]
        public let action: [String: Label]
        /// `decline` taken by the direct train's enterprise (企业不予和解), not staff's 不予受理.
        public let enterprise_action: [String: Label]
        public let category: [String: Label]
        public let mode: [String: Label]
        public let decline_reason: [String: Label]
        public let actor: [String: Label]
        public let problem: [String: Label]
    }

    public static let catalogue = Catalogue(
        status: table(ComplaintStatus.allCases, \.rawValue, status),
        action: table(ComplaintAction.allCases, \.rawValue, action),
        enterprise_action: [ComplaintAction.decline.rawValue: enterpriseDecline],
        category: table(ComplaintCategory.allCases, \.rawValue, category),
        mode: table(MediationMode.allCases, \.rawValue, mode),
        decline_reason: table(DeclineReason.allCases, \.rawValue, declineReason),
        actor: table(Actor.allCases, \.rawValue, \.label),
        problem: problems)

    static func table<T>(_ values: [T], _ key: (T) -> String, _ label: (T) -> Label) -> [String: Label] {
        Dictionary(uniqueKeysWithValues: values.map { (key($0), label($0)) })
    }
}
