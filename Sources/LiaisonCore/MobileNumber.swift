/// Mainland China mobile numbers.
public enum MobileNumber {
    /// The 11-digit form of a mobile number, or nil when it is not one.
    ///
    /// Accepts an optional `+86` or `0086` prefix and spaces or dashes between digits; the
    /// rule is `1[3-9]` followed by nine digits, kept permissive because prefixes keep growing.
    /// Full-width forms, which Chinese keyboards type (digits U+FF10–FF19, `＋` U+FF0B, `－`
    /// U+FF0D and the ideographic space U+3000), are read as their ASCII twins; nothing else is
    /// mapped (not circled or superscript digits, which NFKC would also make digits).
    ///
    /// ```swift
    /// MobileNumber.normalized("+86 138-0013-8000") // "13800138000"
    /// MobileNumber.normalized("＋８６　１３８００１３８０００") // "13800138000"
    /// ```
    public static func normalized(_ text: String) -> String? {
        var digits = String(String.UnicodeScalarView(text.unicodeScalars.map(halfWidth))).filter { $0 != " " && $0 != "-" }
        if digits.hasPrefix("+86") { digits.removeFirst(3) } else if digits.hasPrefix("0086") { digits.removeFirst(4) }
        let bytes = Array(digits.utf8)
        guard bytes.count == 11, bytes.allSatisfy({ (48...57).contains($0) }),
              bytes[0] == UInt8(ascii: "1"), (UInt8(ascii: "3")...UInt8(ascii: "9")).contains(bytes[1]) else { return nil }
        return digits
    }

    /// A full-width digit, plus, hyphen-minus or space as its ASCII twin; any other scalar as it is.
    static func halfWidth(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        switch scalar.value {
        case 0xFF10...0xFF19, 0xFF0B, 0xFF0D: Unicode.Scalar(scalar.value - 0xFEE0)!
        case 0x3000: " "
        default: scalar
        }
    }

    /// The number as shown on screens: `138****5678` (PIPL: show only what the purpose needs).
    public static func masked(_ number: String) -> String {
        guard number.count == 11 else { return String(repeating: "*", count: number.count) }
        return number.prefix(3) + "****" + number.suffix(4)
    }

    public static let allowed = "an 11-digit mainland mobile number starting with 13-19, optionally prefixed by +86 or 0086"
}
