import Foundation

/// The one rule for text people type (names, addresses, descriptions, notes, comments), in every
/// body the service takes: stored in Unicode NFC, so that one name is one sequence of code points;
/// and refused when it holds characters that are never typed but can deceive or break what shows
/// it: NUL and the other C0 and C1 controls (tab, line feed and carriage return excepted), and the
/// bidirectional embeddings, overrides and isolates (U+202A to U+202E, U+2066 to U+2069), which make
/// text read in another order than it is stored (CVE-2021-42574, "Trojan Source").
public enum FreeText {
    public static let allowed = "text without control characters (tab and line breaks excepted) or bidirectional overrides (U+202A–U+202E, U+2066–U+2069)"

    /// Whether `scalar` is refused in free text.
    public static func refuses(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09, 0x0A, 0x0D: false
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x202A...0x202E, 0x2066...0x2069: true
        default: false
        }
    }

    /// Why `text` is refused, naming the first refused character and where it is; nil when it is clean.
    public static func problem(_ text: String) -> String? {
        for (offset, scalar) in text.unicodeScalars.enumerated() where refuses(scalar) {
            return String(format: "contains U+%04X at character %d: expected %@", scalar.value, offset + 1, allowed)
        }
        return nil
    }

    /// A problem for every string in a JSON value (an object's keys included) that holds a
    /// refused character, named by its path (`merchant.name`, `staff[0].name`).
    public static func problems(in value: Any, at path: String = "") -> [InvalidParameter] {
        switch value {
        case let text as String:
            return problem(text).map { [InvalidParameter(name: path.isEmpty ? "body" : path, reason: $0)] } ?? []
        case let object as [String: Any]:
            return object.sorted { $0.key < $1.key }.flatMap { key, inner -> [InvalidParameter] in
                let name = path.isEmpty ? key : "\(path).\(key)"
                if let keyProblem = problem(key) { return [InvalidParameter(name: name, reason: "the field's name " + keyProblem)] }
                return problems(in: inner, at: name)
            }
        case let array as [Any]:
            return array.enumerated().flatMap { problems(in: $0.element, at: "\(path)[\($0.offset)]") }
        default:
            return []
        }
    }

    /// `value` with every string in it (keys too) in NFC.
    public static func normalized(_ value: Any) -> Any {
        switch value {
        case let text as String: text.precomposedStringWithCanonicalMapping
        case let object as [String: Any]:
            Dictionary(object.map { ($0.key.precomposedStringWithCanonicalMapping, normalized($0.value)) }, uniquingKeysWith: { first, _ in first })
        case let array as [Any]: array.map(normalized)
        default: value
        }
    }

    /// Text for the terminal: every refused character, tab and carriage return shown as a JSON
    /// escape (`\u202E`), so that what the CLI prints can neither move the cursor nor reorder a
    /// line, and JSON stays JSON. Line feeds are kept. (Every refused character is in the BMP.)
    public static func printable(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if refuses(scalar) || scalar.value == 0x09 || scalar.value == 0x0D {
                out += String(format: "\\u%04X", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

extension String {
    /// Typed text as stored: without leading and trailing white space, in NFC.
    public var cleaned: String { trimmingCharacters(in: .whitespacesAndNewlines).precomposedStringWithCanonicalMapping }
}
