import Foundation
import LiaisonCore

/// Everything the CLI prints passes here: text people typed (names, descriptions, notes) is
/// shown with control characters and bidirectional overrides escaped (`\u202E`), so that what
/// was stored can neither move the terminal's cursor nor reorder a line. (The escapes are
/// JSON's own, so JSON output stays JSON.) Progress lines write to stderr directly.
func print(_ items: Any..., separator: String = " ", terminator: String = "\n") {
    Swift.print(FreeText.printable(items.map { "\($0)" }.joined(separator: separator)), terminator: terminator)
}

/// A message on stderr, escaped as ``print(_:separator:terminator:)`` escapes.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((FreeText.printable(message) + "\n").utf8))
}
