import Foundation

/// How complaints about one merchant are recognised as such.
public enum Merchant {
    /// The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from
    /// `0-9 A-H J-N P-R T U W-Y`, the last a check character over the first 17.
    public static func isCreditCode(_ code: String) -> Bool {
        let chars = Array(code.utf8)
        guard chars.count == 18 else { return false }
        var sum = 0
        for (i, c) in chars.enumerated() {
            guard let value = creditAlphabet.firstIndex(of: c) else { return false }
            if i < 17 { sum += value * creditWeights[i] } else {
                return value == (31 - sum % 31) % 31
            }
        }
        return false
    }

    public static let creditCodeAllowed = "18 characters of 0-9 and A-Y without I, O, S, V, Z (统一社会信用代码), with a valid check character"

    private static let creditAlphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY".utf8)
    private static let creditWeights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// A merchant name as compared: Unicode NFKC (full-width letters, digits and brackets
    /// become their ASCII forms), lower case, with every space, punctuation mark and symbol
    /// removed. `某某超市（文三路店）` and `某某 超市(文三路店)` have the same key.
    public static func nameKey(_ name: String) -> String {
        let folded = name.precomposedStringWithCompatibilityMapping.lowercased()
        var key = String.UnicodeScalarView()
        for scalar in folded.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .spaceSeparator, .lineSeparator, .paragraphSeparator, .control, .format,
                 .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
                 .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
                continue
            default:
                key.append(scalar)
            }
        }
        return String(key)
    }

    /// Complaints about merchants with the same name key this close (WGS-84 geodesic metres)
    /// are about one merchant.
    public static let sameNameWithinMeters = 200.0
    /// A consumer's complaint about a merchant they complained about this recently is a repeat.
    public static let repeatWithinDays = 30
}
