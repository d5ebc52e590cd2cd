import Foundation
import LiaisonCore
import Testing

/// The labels: every value has both, and `Accept-Language` picks the language.
@Suite struct LabelsTests {
    static func hasChinese(_ text: String) -> Bool {
        text.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }
    }

    /// Each table holds exactly the enum's cases, each with an English and a Chinese label.
    @Test func everyValueHasBothLabels() {
        let c = Labels.catalogue
        let tables: [(String, [String: Label], [String])] = [
            ("status", c.status, ComplaintStatus.allCases.map(\.rawValue)),
            ("action", c.action, ComplaintAction.allCases.map(\.rawValue)),
            ("category", c.category, ComplaintCategory.allCases.map(\.rawValue)),
            ("mode", c.mode, MediationMode.allCases.map(\.rawValue)),
            ("decline_reason", c.decline_reason, DeclineReason.allCases.map(\.rawValue)),
            ("actor", c.actor, ["consumer", "system", "station_staff", "enterprise"]),
        ]
        for (name, table, cases) in tables {
            #expect(Set(table.keys) == Set(cases), "\(name)")
            for (key, label) in table {
                #expect(!label.en.isEmpty && Self.hasChinese(label.zh), "\(name).\(key): \(label)")
            }
        }
        for (slug, label) in c.problem {
            #expect(slug.allSatisfy { $0.isLowercase || $0 == "-" } && !label.en.isEmpty && Self.hasChinese(label.zh), "\(slug)")
        }
    }

    /// The terms the SMS texts and the staff console already use for the same things.
    @Test func theTermsOfTheTextsAndTheConsole() {
        #expect(Labels.status(.submitted).zh == "已提交")
        #expect(Labels.status(.accepted).zh == "已受理")
        #expect(Labels.status(.declined).zh == "不予受理")
        #expect(Labels.status(.withdrawn).zh == "已撤回")
        #expect(Labels.status(.closed).zh == "已办结")
        #expect(Labels.mode(.video).zh == "视频调解" && Labels.mode(.offline).zh == "线下调解")
        #expect(Labels.category(.prepaid_card).zh == ComplaintCategory.prepaid_card.label)
        #expect(Labels.Actor.system.label.zh == "系统" && Labels.Actor.station_staff.label.zh == "站点工作人员")
        // decline is two decisions: staff's 不予受理, the enterprise's 不予和解.
        #expect(Labels.event(.decline, from: .assigned).zh == "不予受理")
        #expect(Labels.event(.decline, from: .with_enterprise).zh == "企业不予和解")
    }

    @Test(arguments: [
        (nil, Language.english), ("", .english), ("zh-CN", .chinese), ("zh", .chinese), ("zh-Hans", .chinese), ("ZH-cn", .chinese),
        ("zh-Hans-CN", .chinese), ("zh-TW", .english), ("zh-Hant", .english), ("fr", .english), ("*", .english),
        ("en;q=0.5, zh-CN", .chinese), ("en, zh-CN", .english), ("zh-CN;q=0.8, en;q=0.9", .english),
        ("zh-CN,zh;q=0.9,en;q=0.8", .chinese), ("fr, zh;q=0.1", .chinese), ("zh-CN;q=0", .english),
        ("zh-CN;q=0.001", .chinese), ("zh-CN;q=1.5", .english), ("zh-CN;q=abc", .english), ("zh-CN;q=0.0001", .english),
        ("en-US;q=0.7, zh-Hans;q=0.75", .chinese), ("de;q=1, zh ; q=0.2", .chinese),
    ] as [(String?, Language)])
    func acceptLanguage(header: String?, expected: Language) {
        #expect(Language.negotiate(header) == expected, "\(header ?? "nil")")
    }

    @Test(arguments: [
        ("is required", "必填"),
        ("must not be empty", "不能为空"),
        ("91.0 is not allowed: expected a finite number of degrees from -90 to 90", "91.0 不在允许范围内；应为 -90 至 90 度之间的数"),
        ("expected 1 to 100 characters", "长度应为 1 至 100 个字符"),
        ("expected at most 200 characters", "长度最多 200 个字符"),
        ("expected 1 to 2000 characters (not only spaces), got 2001", "长度应为 1 至 2000 个字符（不能只有空格），实为 2001 个"),
        (#"unknown mode "boat": expected one of offline, video"#, "未知的调解方式“boat”；可选值：offline, video"),
        ("unknown parameter: expected one of lat, lng", "未知参数；可用参数：lat, lng"),
        ("0 is out of range: expected an integer from 1 to 50", "0 超出范围；应为 1 至 50 的整数"),
        ("given more than once: expected a single value", "重复给出；只能给一次"),
        (#""x" is not a finite number: expected a latitude"#, "“x”不是有效数字；应为 a latitude"),
        ("is 0: expected 1 to 500", "0 不在允许范围内；应为 1 to 500"),
        ("is null: leave the field out instead", "不能为 null；leave the field out instead"),
        ("contains U+001A at character 1: expected text without control characters", "第 1 个字符为 U+001A，不允许；应为 text without control characters"),
        ("something no shape knows", "something no shape knows"),
    ])
    func reasonsInChinese(english: String, chinese: String) {
        #expect(Labels.chinese(reason: english) == chinese)
    }

    @Test func invalidInputInChineseNamesEveryField() {
        let input = InvalidInput([InvalidParameter(name: "lat", reason: "is required"),
                                  InvalidParameter(name: "merchant.name", reason: "expected 1 to 100 characters")])
        #expect(input.chineseDescription == "字段 lat 无效：必填；字段 merchant.name 无效：长度应为 1 至 100 个字符")
    }

    @Test func anIllegalTransitionInChineseNamesTheStateAndWhatIsAllowed() {
        let error = IllegalTransition(number: "ZJ-20261129-000123", status: .assigned, action: .resolve, allowed: [.accept, .refuse])
        #expect(error.chineseDescription == "投诉 ZJ-20261129-000123 当前状态为“已分派”，不能进行“调解成功”（resolve）；目前可进行：受理（accept）、站点拒收（refuse）")
    }
}
