import Foundation
import LiaisonCore
import Testing

/// The batch lookups' reader: records split at line ends outside CSV quotes, whatever the
/// block size, so a record or a CRLF cut by a block boundary reads the same.
@Suite struct RecordStreamTests {
    /// Every record of `bytes`, read through a file with the given block size.
    func records(_ bytes: [UInt8], quoted: Bool, blockSize: Int) throws -> [(line: Int, text: String)] {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("records-\(UUID().uuidString)")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let fd = open(url.path, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        var stream = RecordStream(fd: fd, quoted: quoted, blockSize: blockSize)
        var out: [(Int, String)] = []
        while let r = try stream.next() { out.append((r.line, String(decoding: r.bytes, as: UTF8.self))) }
        #expect(stream.bytesRead == bytes.count)
        return out
    }

    static let csv = Array("\u{FEFF}name,lat,lng\r\n\"多行\r\n地址, 含逗号\",30.2,120.1\r\n\r\n\n\"He said \"\"hi\"\"\",30.3,120.2\rlast,1,2".utf8)

    @Test func csvRecordsWithQuotedLineBreaksBOMAndBlankLines() throws {
        let got = try records(Self.csv, quoted: true, blockSize: 1 << 20)
        #expect(got.map(\.line) == [1, 2, 6, 7])
        #expect(got.map(\.text) == ["name,lat,lng", "\"多行\r\n地址, 含逗号\",30.2,120.1", "\"He said \"\"hi\"\"\",30.3,120.2", "last,1,2"])
    }

    @Test func everyBlockSizeReadsTheSame() throws {
        let whole = try records(Self.csv, quoted: true, blockSize: 1 << 20)
        for size in 1...9 {
            let got = try records(Self.csv, quoted: true, blockSize: size)
            #expect(got.map(\.line) == whole.map(\.line), "block size \(size)")
            #expect(got.map(\.text) == whole.map(\.text), "block size \(size)")
        }
    }

    /// "abc\r" fills the first 4-byte block: the LF that completes the CRLF comes in the next.
    @Test func aCRLFCutByABlockBoundaryIsOneLineEnd() throws {
        for quoted in [true, false] {
            let got = try records(Array("abc\r\nd\r\ne".utf8), quoted: quoted, blockSize: 4)
            #expect(got.map(\.line) == [1, 2, 3])
            #expect(got.map(\.text) == ["abc", "d", "e"])
        }
    }

    @Test func jsonLinesIgnoreQuotesAndEndAtEveryLineBreak() throws {
        let text = Array("{\"lat\":30.2,\"note\":\"\\\"\"}\n{\"lat\":1}\r\n\n{\"x\":\"\"}".utf8)
        let got = try records(text, quoted: false, blockSize: 4)
        #expect(got.map(\.line) == [1, 2, 4])
        #expect(got.map(\.text) == ["{\"lat\":30.2,\"note\":\"\\\"\"}", "{\"lat\":1}", "{\"x\":\"\"}"])
    }

    @Test func anEmptyFileOrOnlyABOMHasNoRecords() throws {
        #expect(try records([], quoted: true, blockSize: 8).isEmpty)
        #expect(try records([0xEF, 0xBB, 0xBF], quoted: true, blockSize: 8).isEmpty)
        #expect(try records(Array("\n\r\n".utf8), quoted: true, blockSize: 8).isEmpty)
    }

    @Test func aBOMIsSkippedOnlyAtTheStart() throws {
        let got = try records(Array("a\n\u{FEFF}b".utf8), quoted: false, blockSize: 2)
        #expect(got.map(\.text) == ["a", "\u{FEFF}b"])
    }
}
