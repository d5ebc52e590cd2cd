import Foundation

/// Chinese problem details. The English reasons are written in many places from a few shapes
/// (`is required`, `unknown mode "x": expected one of …`, `expected 1 to 100 characters`);
/// ``chinese(reason:)`` translates those shapes and leaves what it does not know, and every
/// value, list or example inside a reason (`expected one of offline, video`), in English.
extension Labels {
    /// `字段 lat 无效：91 不在允许范围内；应为 a finite number of degrees from -90 to 90`, for each
    /// parameter, joined by `；`.
    public static func chineseDetail(_ parameters: [InvalidParameter]) -> String {
        parameters.map { "字段 \($0.name) 无效：" + chinese(reason: $0.reason) }.joined(separator: "；")
    }

    /// A reason in Chinese, shape by shape; the reason as it is when its shape is not known.
    public static func chinese(reason: String) -> String {
        for (prefix, chinese) in phrases where reason == prefix { return chinese }
        for (pattern, render) in shapes {
            if let groups = match(pattern, reason) { return render(groups) }
        }
        return reason
    }

    /// Why `POST /v1/complaints` without an `Idempotency-Key` header is refused.
    public static let idempotencyKeyRequired = "is required: a key unique to this complaint (1 to 128 printable ASCII characters without spaces, e.g. a UUID), sent again unchanged when the same filing is retried"

    /// Reasons said in full.
    static let phrases: [(String, String)] = [
        ("is required", "必填"),
        (idempotencyKeyRequired, "必填：本次投诉独有的键（1 至 128 个不含空格的可打印 ASCII 字符，如 UUID），同一投诉重试时原样再次发送"),
        ("must not be empty", "不能为空"),
        ("given more than once: expected a single value", "重复给出；只能给一次"),
        ("is given twice: give it once", "重复给出；只能给一次"),
        ("expected true or false", "应为 true 或 false"),
    ]

    /// Reasons by shape: a regular expression over the whole reason and its rendering from the
    /// captured groups (the tails are translated again where they are `expected …`).
    static let shapes: [(pattern: String, render: @Sendable ([String]) -> String)] = [
        (#"^is required: expected (.+)$"#, { "必填；应为 " + $0[0] }),
        (#"^is required(?: for ([a-z_ ]+))?: (.+)$"#, { ($0[0].isEmpty ? "必填" : "\($0[0]) 时必填") + "（" + $0[1] + "）" }),
        (#"^unknown parameter: expected one of (.*)$"#, { "未知参数；可用参数：" + $0[0] }),
        (#"^unknown field: expected only (.*)$"#, { "未知字段；只允许：" + $0[0] }),
        (#"^unknown (coordinate system|mode|category|status|county|service) "(.*)": expected (.+)$"#, {
            "未知的\(kinds[$0[0]] ?? $0[0])“\($0[1])”；" + expected($0[2]) }),
        (#"^"(.*)" is not a finite number: expected (.+)$"#, { "“\($0[0])”不是有效数字；" + expected($0[1]) }),
        (#"^"(.*)" is not an integer: expected (.+)$"#, { "“\($0[0])”不是整数；" + expected($0[1]) }),
        (#"^"(.*)" is not a mobile number: expected (.+)$"#, { "“\($0[0])”不是有效的手机号码；" + expected($0[1]) }),
        (#"^"(.*)" is not a unified social credit code: expected (.+)$"#, { "“\($0[0])”不是有效的统一社会信用代码；" + expected($0[1]) }),
        (#"^(.+) is out of range: expected (.+)$"#, { "\($0[0]) 超出范围；" + expected($0[1]) }),
        (#"^(.+) is not allowed: expected (.+)$"#, { "\($0[0]) 不在允许范围内；" + expected($0[1]) }),
        (#"^contains U\+([0-9A-F]+) at character (\d+): expected (.+)$"#, { "第 \($0[1]) 个字符为 U+\($0[0])，不允许；" + expected($0[2]) }),
        (#"^is null: (.+)$"#, { "不能为 null；" + $0[0] }),
        (#"^is (-?[0-9][0-9.]*): expected (.+)$"#, { "\($0[0]) 不在允许范围内；" + expected($0[1]) }),
        (#"^not a JSON object: expected (.+)$"#, { "不是 JSON 对象；" + expected($0[0]) }),
        (#"^has the wrong type: expected (.+)$"#, { "类型错误；" + expected($0[0]) }),
        (#"^expected (.+)$"#, { expected($0[0]) }),
    ]

    static let kinds = ["coordinate system": "坐标系", "mode": "调解方式", "category": "投诉类别", "status": "状态",
                        "county": "区县", "service": "服务"]

    /// `expected …` tails: character counts and ranges in Chinese, anything else as `应为 …`.
    static func expected(_ tail: String) -> String {
        if let g = match(#"^(\d+) to (\d+) characters(.*)$"#, tail) { return "长度应为 \(g[0]) 至 \(g[1]) 个字符" + rest(g[2]) }
        if let g = match(#"^at most (\d+) characters(.*)$"#, tail) { return "长度最多 \(g[0]) 个字符" + rest(g[1]) }
        if let g = match(#"^one of (.+)$"#, tail) { return "可选值：" + g[0] }
        if let g = match(#"^an integer from (-?\d+) to (-?\d+)$"#, tail) { return "应为 \(g[0]) 至 \(g[1]) 的整数" }
        if let g = match(#"^a finite number of degrees from (-?\d+) to (-?\d+)$"#, tail) { return "应为 \(g[0]) 至 \(g[1]) 度之间的数" }
        return "应为 " + tail
    }

    /// ` (not only spaces), got 2001`: what follows a character count.
    static func rest(_ text: String) -> String {
        if let g = match(#"^ \(not only spaces\), got (\d+)$"#, text) { return "（不能只有空格），实为 \(g[0]) 个" }
        return text
    }

    /// The groups of `pattern` when it matches all of `text` (compiled per call: error answers only).
    static func match(_ pattern: String, _ text: String) -> [String]? {
        guard let regex = try? NSRegularExpression(pattern: pattern, options: [.dotMatchesLineSeparators]) else { return nil }
        let whole = NSRange(text.startIndex..., in: text)
        guard let m = regex.firstMatch(in: text, range: whole), m.range == whole else { return nil }
        return (1..<m.numberOfRanges).map { i in Range(m.range(at: i), in: text).map { String(text[$0]) } ?? "" }
    }
}

extension InvalidInput {
    public var chineseDescription: String? { Labels.chineseDetail(parameters) }
}

extension NotFound {
    public var chineseDescription: String? {
        let things = ["station": "联络站", "complaint": "投诉", "county": "区县", "enterprise": "企业", "court": "法院", "token": "令牌",
                      "staff member": "工作人员", "client": "客户端"]
        return "未找到\(things[what] ?? what) \(id)"
    }
}

extension IllegalTransition {
    /// `投诉 ZJ-… 当前状态为“调解中”，不能进行“受理”；目前可进行：调解成功（resolve）、…`.
    public var chineseDescription: String? {
        let list = allowed.isEmpty ? (status.isTerminal ? "无（投诉已结束）" : "无（等待其他方处理）")
            : allowed.map { "\(Labels.action($0).zh)（\($0.rawValue)）" }.joined(separator: "、")
        return "投诉 \(number) 当前状态为“\(Labels.status(status).zh)”，不能进行“\(Labels.event(action, from: status).zh)”（\(action.rawValue)）；目前可进行：\(list)"
    }
}

extension OutsideServiceArea {
    public var chineseDescription: String? {
        "投诉地点不在浙江省内：距最近的区县（\(nearestCountyName)）\(String(format: "%.1f", distanceMeters / 1000)) 公里；联络站受理在浙江省内发生的消费纠纷"
    }
}
