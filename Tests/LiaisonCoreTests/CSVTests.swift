import Foundation
import LiaisonCore
import Testing

/// The RFC 4180 layer: quoting on the way out, strict reading on the way in.
@Suite struct CSVTests {
    @Test(arguments: [
        ("plain", "plain"),
        ("", ""),
        ("a,b", "\"a,b\""),
        ("say \"hi\"", "\"say \"\"hi\"\"\""),
        ("two\nlines", "\"two\nlines\""),
        ("cr\rhere", "\"cr\rhere\""),
        ("柳塘村消费维权联络站", "柳塘村消费维权联络站"),
        ("杭州市，上城区", "杭州市，上城区"), // a full-width comma is not a separator
        (" spaced ", " spaced "),
    ])
    func fieldsAreQuotedOnlyWhenNeeded(_ value: String, _ written: String) {
        #expect(CSV.field(value) == written)
    }

    @Test func recordsEndInCRLF() {
        #expect(CSV.encode([["a", "b"], ["c", ""]]) == "a,b\r\nc,\r\n")
        #expect(CSV.encode([]) == "")
    }

    static let awkward: [[String]] = [
        ["id", "name", "note"],
        ["1", "王家村, 上塘村", "she said \"好\""],
        ["2", "line one\nline two\r\nline three", ""],
        ["3", "\"", ",,,"],
        ["4", "", "\"\""],
        ["5", "a\\b|c;d", "  padded  "],
    ]

    @Test func awkwardValuesSurviveARoundTrip() throws {
        let text = CSV.encode(Self.awkward)
        let records = try CSV.decode(text)
        #expect(records.map(\.fields) == Self.awkward)
        #expect(records.map(\.line) == [1, 2, 3, 6, 7, 8], "records start on the line an editor shows")
    }

    @Test func acceptsLFAndAMissingFinalLineEnd() throws {
        #expect(try CSV.decode("a,b\nc,d").map(\.fields) == [["a", "b"], ["c", "d"]])
        #expect(try CSV.decode("a,b\rc,d\r").map(\.fields) == [["a", "b"], ["c", "d"]])
        #expect(try CSV.decode("a,\n").map(\.fields) == [["a", ""]])
        #expect(try CSV.decode("\"\"").map(\.fields) == [[""]])
        #expect(try CSV.decode("").isEmpty)
    }

    @Test(arguments: [
        ("a,\"b\nc", 1),        // never closed
        ("x\na,\"b\"c,d", 2),   // text after the closing quote
        ("x\ny\na,b\"c", 3),    // quote inside an unquoted field
    ])
    func malformedQuotingIsAnErrorAtItsLine(_ text: String, _ line: Int) throws {
        let error = #expect(throws: CSV.SyntaxError.self) { try CSV.decode(text) }
        #expect(error?.line == line, "\(String(describing: error))")
        #expect(error?.description.contains("double quote") == true)
    }
}
