import Foundation

/// The languages answers are written in: English (the default, for staff tooling and
/// machines) and Simplified Chinese for consumers (`Content-Language` names the one used).
public enum Language: String, Sendable, Hashable, CaseIterable {
    case english = "en"
    case chinese = "zh-CN"

    /// The language for an `Accept-Language` value (RFC 9110, 12.5.4): the acceptable language
    /// with the highest q-value among English and Chinese, the earlier one on a tie; English
    /// when the header is missing, malformed or names neither.
    ///
    /// `zh`, `zh-CN` and `zh-Hans` (with any further subtags, such as `zh-Hans-CN`) are Chinese;
    /// other Chinese tags (`zh-TW`, `zh-HK`, `zh-Hant`) are not served in Simplified Chinese and
    /// fall back to English like any other language. `*` stands for the default, English.
    /// An entry with `q=0` is "not acceptable"; one with a malformed q-value is ignored.
    ///
    /// ```swift
    /// Language.negotiate("en;q=0.5, zh-CN")   // .chinese
    /// Language.negotiate("zh-TW, en;q=0.1")   // .english
    /// ```
    public static func negotiate(_ acceptLanguage: String?) -> Language {
        guard let acceptLanguage else { return .english }
        var best: (language: Language, q: Int)?
        for entry in acceptLanguage.split(separator: ",") {
            let parts = entry.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard let tag = parts.first?.lowercased(), !tag.isEmpty, let language = language(of: tag) else { continue }
            var q = 1000
            var malformed = false
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard pair.count == 2, pair[0].lowercased() == "q" else { continue }
                if let value = qValue(pair[1]) { q = value } else { malformed = true }
            }
            // Strictly greater: on a tie the earlier entry stands.
            if !malformed, q > 0, q > (best?.q ?? 0) { best = (language, q) }
        }
        return best?.language ?? .english
    }

    static func language(of tag: String) -> Language? {
        if tag == "*" || tag == "en" || tag.hasPrefix("en-") { return .english }
        if tag == "zh" || tag == "zh-cn" || tag == "zh-hans" || tag.hasPrefix("zh-hans-") { return .chinese }
        return nil
    }

    /// `0`, `0.5`, `1.000`: thousandths, as RFC 9110's `qvalue` grammar allows (at most 3 decimals, at most 1).
    static func qValue(_ text: String) -> Int? {
        let b = Array(text.utf8)
        guard let first = b.first, first == UInt8(ascii: "0") || first == UInt8(ascii: "1") else { return nil }
        if b.count == 1 { return first == UInt8(ascii: "1") ? 1000 : 0 }
        guard b[1] == UInt8(ascii: "."), (2...5).contains(b.count) else { return nil }
        var thousandths = 0
        for (i, digit) in b[2...].enumerated() {
            guard (48...57).contains(digit) else { return nil }
            thousandths += Int(digit - 48) * [100, 10, 1][i]
        }
        if first == UInt8(ascii: "1") { return thousandths == 0 ? 1000 : nil }
        return thousandths
    }
}
