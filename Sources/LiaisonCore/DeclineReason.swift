/// Why staff decided not to accept a complaint (不予受理): the cases of SAMR Order No. 20
/// (《市场监督管理投诉举报处理暂行办法》) art. 15, one code each. The consumer is told the
/// reason's label and where else to go (12315, arbitration, a court).
public enum DeclineReason: String, Sendable, Hashable, CaseIterable, Codable {
    /// Not within the market regulator's remit, or beyond this office's authority (art. 15 (1)).
    case outside_remit
    /// A court, an arbitration body, an administrative office, a consumer association or another
    /// mediation body has already taken up or dealt with the same dispute (art. 15 (2)).
    case handled_elsewhere
    /// Not bought or used for daily consumption, or no consumer dispute with the merchant can be
    /// shown (art. 15 (3)).
    case not_consumer_dispute
    /// More than three years since the consumer knew or should have known of the harm (art. 15 (4)).
    case time_barred
    /// The consumer's real name, contact or the facts of the dispute were not given or cannot be
    /// verified (anonymous or unverifiable; art. 15 (5)).
    case incomplete
    /// Another case where a law, regulation or rule says not to accept (art. 15 (6)); the note says which.
    case other_legal

    /// The reason as the consumer's text and the case file say it.
    public var label: String {
        switch self {
        case .outside_remit: "不属于市场监督管理部门职责范围或本机关处理权限"
        case .handled_elsewhere: "同一争议已由法院、仲裁机构、行政机关或调解组织受理或处理"
        case .not_consumer_dispute: "不属于生活消费或不能证明存在消费者权益争议"
        case .time_barred: "自知道或应当知道权益受到侵害之日起已超过三年"
        case .incomplete: "未提供真实身份、联系方式或具体投诉请求和事实，无法核实"
        case .other_legal: "法律、法规、规章规定不予受理的其他情形"
        }
    }

    public static let allowedNames = allCases.map(\.rawValue).joined(separator: ", ")
}
