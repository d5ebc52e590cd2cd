import Foundation
import Testing
import LiaisonTestSupport

/// Bad input: exit code 64 (EX_USAGE), nothing on stdout, and a message on stderr that names
/// the flag and says what is allowed. Checks that need no database create none.
@Suite(.tags(.slow)) final class UsageErrorTests {
    let sandbox: Sandbox

    init() throws {
        sandbox = try Sandbox()
    }

    struct Case: CustomTestStringConvertible, Sendable {
        let arguments: [String]
        /// Every one of these must appear on stderr.
        let mentions: [String]
        var testDescription: String { "liaison " + arguments.joined(separator: " ") }
    }

    static let point = ["--lat", "30.259", "--lng", "120.13"]

    static let nearestCases: [Case] = [
        Case(arguments: ["nearest", "--lat", "nan", "--lng", "120"], mentions: ["--lat", "-90 to 90"]),
        Case(arguments: ["nearest", "--lat", "inf", "--lng", "120"], mentions: ["--lat", "-90 to 90"]),
        Case(arguments: ["nearest", "--lat", "-inf", "--lng", "120"], mentions: ["--lat", "-90 to 90"]),
        Case(arguments: ["nearest", "--lat", "91", "--lng", "120"], mentions: ["--lat", "-90 to 90"]),
        Case(arguments: ["nearest", "--lat", "-90.5", "--lng", "120"], mentions: ["--lat", "-90 to 90"]),
        Case(arguments: ["nearest", "--lat", "30", "--lng", "181"], mentions: ["--lng", "-180 to 180"]),
        Case(arguments: ["nearest", "--lat", "30", "--lng", "nan"], mentions: ["--lng", "-180 to 180"]),
        Case(arguments: ["nearest", "--lat", "abc", "--lng", "120"], mentions: ["--lat", "abc", "-90 to 90"]),
        Case(arguments: ["nearest", "--lat", "30"], mentions: ["--lng", "-180 to 180"]),
        Case(arguments: ["nearest", "--lng", "120"], mentions: ["--lat", "-90 to 90"]),
        Case(arguments: ["nearest"] + point + ["--coordsys", "foo"], mentions: ["--coordsys", "foo", "wgs84, gcj02, bd09"]),
        Case(arguments: ["nearest"] + point + ["--limit", "0"], mentions: ["--limit", "1 to 50"]),
        Case(arguments: ["nearest"] + point + ["--limit", "51"], mentions: ["--limit", "1 to 50"]),
        Case(arguments: ["nearest"] + point + ["--limit", "abc"], mentions: ["--limit", "1 to 50"]),
        Case(arguments: ["nearest"] + point + ["--mode", "x"], mentions: ["--mode", "offline, video"]),
        Case(arguments: ["nearest"] + point + ["--radius-km", "0"], mentions: ["--radius-km", "at most 1000"]),
        Case(arguments: ["nearest"] + point + ["--radius-km", "1001"], mentions: ["--radius-km", "at most 1000"]),
        Case(arguments: ["nearest"] + point + ["--radius-km", "nan"], mentions: ["--radius-km", "at most 1000"]),
        Case(arguments: ["nearest"] + point + ["--county", "12"], mentions: ["--county", "\"12\"", "6 digits"]),
        Case(arguments: ["nearest"] + point + ["--county", "330100"], mentions: ["--county", "6 digits"]),
        Case(arguments: ["nearest"] + point + ["--format", "xml"], mentions: ["--format", "table", "json"]),
        Case(arguments: ["where", "--lat", "95", "--lng", "120"], mentions: ["--lat", "-90 to 90"]),
        Case(arguments: ["where", "--lat", "nan", "--lng", "120"], mentions: ["--lat", "-90 to 90"]),
        Case(arguments: ["where", "--lat", "30", "--lng", "-181"], mentions: ["--lng", "-180 to 180"]),
        Case(arguments: ["where", "--lat", "30", "--lng", "120", "--coordsys", "foo"], mentions: ["--coordsys", "wgs84, gcj02, bd09"]),
        Case(arguments: ["stations", "list", "--county", "12"], mentions: ["--county", "6 digits"]),
        Case(arguments: ["import"], mentions: ["<path>"]),
        Case(arguments: ["export"], mentions: ["--format"]),
        Case(arguments: ["export", "--format", "xml"], mentions: ["--format", "xml", "geojson", "csv"]),
        Case(arguments: ["export", "--format", "geojson", "--bom"], mentions: ["--bom", "--format csv"]),
        Case(arguments: ["export", "--format", "csv", "--out", "/no/such/dir/x.csv"], mentions: ["--out", "/no/such/dir"]),
        Case(arguments: ["serve", "--consumer-link", "https://s.zj.cn/c/"], mentions: ["--consumer-link", "{number}"]),
        Case(arguments: ["serve", "--consumer-link", "http://s.zj.cn/c/{number}"], mentions: ["--consumer-link", "https"]),
        Case(arguments: ["serve", "--consumer-link", "https://s.zj.cn/" + String(repeating: "x", count: 40) + "/{number}"], mentions: ["--consumer-link", "at most 60"]),
    ]

    @Test(arguments: nearestCases)
    func rejectedBeforeTheDatabaseIsTouched(_ c: Case) async throws {
        let r = try await sandbox.run(c.arguments + ["--db", sandbox.path("never.sqlite")])
        #expect(r.status == 64, "\(r)")
        #expect(r.stdout.isEmpty, "\(r)")
        for mention in c.mentions {
            #expect(r.stderr.contains(mention), "stderr should mention \(mention):\n\(r.stderr)")
        }
        let files = try sandbox.files()
        #expect(files.isEmpty, "no database may be created for a usage error: \(files)")
    }

    /// Every bad flag is reported at once, one line each, so the user fixes them in one go.
    @Test func everyBadFlagIsReported() async throws {
        let r = try await sandbox.run(["nearest", "--lat", "91", "--lng", "181", "--limit", "0", "--mode", "x",
                                       "--db", sandbox.path("never.sqlite")])
        #expect(r.status == 64)
        for flag in ["--lat", "--lng", "--limit", "--mode"] {
            #expect(r.stderr.contains(flag), "\(flag) missing from:\n\(r.stderr)")
        }
        #expect(try sandbox.files().isEmpty)
    }

    /// A well-formed but unknown county can only be checked against the register.
    @Test(arguments: [["nearest", "--lat", "30.259", "--lng", "120.13", "--county", "339999"],
                      ["stations", "list", "--county", "339999"]])
    func unknownCountyIsAUsageError(_ arguments: [String]) async throws {
        let r = try await sandbox.run(arguments + ["--db", sandbox.path("x.sqlite")])
        #expect(r.status == 64, "\(r)")
        #expect(r.stdout.isEmpty, "\(r)")
        #expect(r.stderr.contains("--county"))
        #expect(r.stderr.contains("unknown county \"339999\""))
        #expect(r.stderr.contains("90 county-level divisions"), "says what is allowed:\n\(r.stderr)")
    }
}
