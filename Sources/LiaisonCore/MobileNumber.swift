/// Mainland China mobile numbers.
public enum MobileNumber {
    /// The 11-digit form of a mobile number, or nil when it is not one.
    ///
    /// Accepts an optional `+86` or `0086` prefix and spaces or dashes between digits; the
    /// rule is `1[3-9]` followed by nine digits, kept permissive because prefixes keep growing.
    /// Full-width forms, which Chinese keyboards type (`１３８`, `＋８６`, the ideographic space
    /// U+3000, `－`), are read as their ASCII twins through Unicode compatibility mapping (NFKC).
    ///
    /// ```swift
    /// MobileNumber.normalized("+86 138-0013-8000") // "13800138000"
    /// MobileNumber.normalized("＋８６　１３８００１３８０００") // "13800138000"
    /// ```
    public static func normalized(_ text: String) -> String? {
        var digits = text.precomposedStringWithCompatibilityMapping.filter { $0 != " " && $0 != "-" }
        if digits.hasPrefix("+86") { digits.removeFirst(3) } else if digits.hasPrefix("0086") { digits.removeFirst(4) }
        let bytes = Array(digits.utf8)
        guard bytes.count == 11, bytes.allSatisfy({ (48...57).contains($0) }),
              bytes[0] == UInt8(ascii: "1"), (UInt8(ascii: "3")...UInt8(ascii: "9")).contains(bytes[1]) else { return nil }
        return digits
    }

    /// The number as shown on screens: `138****5678` (PIPL: show only what the purpose needs).
    public static func masked(_ number: String) -> String {
        guard number.count == 11 else { return String(repeating: "*", count: number.count) }
        return number.prefix(3) + "****" + number.suffix(4)
    }

    public static let allowed = "an 11-digit mainland mobile number starting with 13-19, optionally prefixed by +86 or 0086"
}
