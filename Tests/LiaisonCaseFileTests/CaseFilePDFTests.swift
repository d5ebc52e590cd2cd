import Foundation
import LiaisonTestSupport
import Testing
@testable import LiaisonCaseFile

/// Checks real PDF output with poppler (pdftotext / pdfinfo / pdffonts from poppler-utils).
@Suite(.tags(.slow)) struct CaseFilePDFTests {
    // MARK: Fixtures

    static func timeline(_ count: Int) -> CaseFileDocument.Table {
        CaseFileDocument.Table(
            columns: ["处理时间", "处理环节", "办理说明"],
            widths: [1.2, 1, 3],
            rows: (1...max(count, 1)).prefix(count).map { i in
                ["2026-12-03 10:\(String(format: "%02d", i % 60))", "节点\(i)", "调解员联系商家第\(i)次，商家同意退款。"]
            })
    }

    static func document(timelineRows: Int = 5, extra: [CaseFileDocument.Section] = []) -> CaseFileDocument {
        CaseFileDocument(
            title: "消费纠纷诉调对接案卷",
            subtitle: "投诉编号 ZJ-20261203-000001",
            footer: "ZJ-20261203-000001 · 浙江省消费维权联络站",
            sections: [
                .init(heading: "一、当事人信息", rows: [.init("投诉人", "张三"), .init("被投诉方", "杭州某某电器有限公司")]),
                .init(heading: "二、处理经过", table: timeline(timelineRows)),
                .init(heading: "三、调解结果", paragraphs: ["双方达成一致：商家退还货款人民币 1,299 元。"]),
            ] + extra)
    }

    // MARK: Tests

    @Test func chineseTextIsExtractable() throws {
        let pdf = try PDFOutput(CaseFilePDF.render(Self.document()))
        let text = try pdf.text().squeezed
        #expect(text.contains("消费纠纷诉调对接案卷"), "title missing:\n\(text)")
        #expect(text.contains("投诉编号ZJ-20261203-000001"), "subtitle missing:\n\(text)")
        #expect(text.contains("被投诉方") && text.contains("杭州某某电器有限公司"), "row missing:\n\(text)")
        #expect(text.contains("调解员联系商家第3次"), "timeline cell missing:\n\(text)")
        #expect(text.contains("商家退还货款人民币1,299元"), "paragraph missing:\n\(text)")
    }

    @Test func longTimelinePaginatesWithFooterAndRepeatedHeader() throws {
        let pdf = try PDFOutput(CaseFilePDF.render(Self.document(timelineRows: 300)))
        let pages = try #require(Int(pdf.info()["Pages"] ?? ""), "no Pages in pdfinfo")
        #expect(pages > 1)
        let pageTexts = try pdf.text().components(separatedBy: "\u{0C}").map(\.squeezed).filter { !$0.isEmpty }
        #expect(pageTexts.count == pages)
        for (i, page) in pageTexts.enumerated() {
            #expect(page.contains("第\(i + 1)页/共\(pages)页"), "page \(i + 1) footer wrong:\n\(page)")
            #expect(page.contains("ZJ-20261203-000001·浙江省消费维权联络站"), "page \(i + 1) footer text missing")
            #expect(i == 0 || page.contains("处理时间"), "table header not repeated on page \(i + 1)")
        }
        // Every row made it, once, in order.
        let all = pageTexts.joined()
        let found = (1...300).filter { all.contains("联系商家第\($0)次，") }
        #expect(found.count == 300, "missing rows: \(Set(1...300).subtracting(found).sorted().prefix(10))")
    }

    @Test func fontIsEmbedded() throws {
        let pdf = try PDFOutput(CaseFilePDF.render(Self.document()))
        let fonts = try pdf.fonts()
        #expect(!(fonts.isEmpty), "pdffonts lists no fonts")
        for font in fonts { #expect(font.embedded == "yes", "font \(font.name) not embedded") }
        #expect(fonts.contains { $0.name.contains("WenQuanYi") || $0.name.contains("Noto") }, "\(fonts)")
    }

    @Test func longTokensWrapWithinThePage() throws {
        let cjk = String((0..<2000).map { Character(Unicode.Scalar(0x4E00 + $0 % 500)!) })
        let latin = String(repeating: "abcdefghij", count: 200)
        let doc = Self.document(extra: [
            .init(heading: "四、长文本", rows: [.init("说明", cjk)], table: .init(columns: ["备注"], widths: [1], rows: [[latin]]), paragraphs: [cjk]),
        ])
        let pdf = try PDFOutput(CaseFilePDF.render(doc))
        let lines = try pdf.text().split(whereSeparator: \.isNewline)
        let cjkWidth: Int = lines.map { line in line.unicodeScalars.filter { $0.value >= 0x2E80 }.count }.max() ?? 0
        let latinWidth: Int = lines.map { line in line.unicodeScalars.filter { $0.isASCII && $0.value > 0x20 }.count }.max() ?? 0
        #expect(cjkWidth <= 50, "a line holds \(cjkWidth) CJK characters (A4 minus margins holds ~49 at 10 pt)")
        #expect(latinWidth <= 110, "a line holds \(latinWidth) ASCII characters (~105 narrow letters fit)")
        // Nothing was lost: both copies of the CJK string and the whole Latin token are in the text
        // (footers and the repeated table header interrupt the flow at page breaks, so drop them).
        let flat = lines.filter { !$0.contains("联络站") && $0.squeezed != "备注" }.joined().squeezed
        #expect(flat.components(separatedBy: cjk).count - 1 == 2, "the 2,000-character string is not complete (twice) in the output")
        #expect(flat.contains(latin), "the 2,000-character Latin token is not complete in the output")
    }

    @Test func metadata() throws {
        let date = Date(timeIntervalSince1970: 1_796_299_200)  // 2026-12-03 12:00:00 UTC
        let info = try PDFOutput(CaseFilePDF.render(Self.document(), createdAt: date)).info()
        #expect(info["Title"] == "消费纠纷诉调对接案卷")
        #expect(info["Author"] == "浙江省消费维权联络站")
        #expect(info["Creator"] == "liaison")
        #expect(info["CreationDate"]?.contains("2026") == true, "CreationDate: \(info["CreationDate"] ?? "nil")")
        #expect(info["Page size"]?.hasPrefix("595.28 x 841.89") == true, "Page size: \(info["Page size"] ?? "nil")")
    }

    @Test func hostileInputDoesNotCrash() throws {
        let doc = CaseFileDocument(
            title: "", subtitle: "", footer: String(repeating: "很长的页脚", count: 500),
            sections: [
                .init(heading: ""),
                .init(heading: "控制\u{0}字符\u{7}\u{1B}[31m", rows: [.init("", ""), .init("表情", "👨‍👩‍👧 😀 前\u{0}后\r\n换行\t制表")],
                      table: .init(columns: ["甲", "乙"], widths: [0, .nan], rows: [[], ["只有一格"], ["1", "2", "多余"]])),
                .init(heading: "无列表格", table: .init(columns: [], widths: [], rows: [["x"]])),
                .init(heading: "长页脚", paragraphs: ["", String(repeating: "页脚", count: 3000)]),
            ])
        let pdf = try PDFOutput(CaseFilePDF.render(doc))
        let text = try pdf.text()
        #expect(text.squeezed.contains("控制字符[31m"), "control characters not stripped:\n\(text.prefix(500))")
        #expect(text.contains("前后"), "text after NUL lost")
        #expect(text.contains("只有一格"))
        #expect(text.squeezed.contains("…第1页/共"), "long footer not truncated before the page label")
        #expect(!(text.unicodeScalars.contains { $0.value < 0x20 && !"\n\u{0C}".unicodeScalars.contains($0) }))
        let empty = try PDFOutput(CaseFilePDF.render(CaseFileDocument(title: "", subtitle: nil, footer: "", sections: [])))
        #expect(try empty.info()["Pages"] == "1")
    }

    @Test func missingCJKFontGivesClearError() throws {
        // DejaVu Sans (fonts-dejavu-core, a dependency of fontconfig) has no Chinese glyphs.
        let error = #expect(throws: CaseFilePDFError.self) { try CaseFilePDF.makeFontFaces(families: ["DejaVu Sans"]) }
        #expect(error == .noCJKFont(tried: ["DejaVu Sans"]))
        #expect("\(error.map { "\($0)" } ?? "")".contains("fonts-wqy-microhei"), "\(String(describing: error))")
    }

    @Test func concurrentRendering() throws {
        let results = LockedBox(Array<Data?>(repeating: nil, count: 8))
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let data = try? CaseFilePDF.render(Self.document(timelineRows: 40 + i))
            results.withLock { $0[i] = data }
        }
        for (i, data) in results.withLock({ $0 }).enumerated() {
            let data = try #require(data, "render \(i) failed")
            #expect(try PDFOutput(data).text().contains("联系商家第\(40 + i)次，"))
        }
    }
}

extension StringProtocol {
    /// Without whitespace: pdftotext only sometimes reproduces the narrow spaces between CJK glyphs.
    var squeezed: String { String(filter { !$0.isWhitespace }) }
}

/// Lock-protected box for collecting results from concurrentPerform.
final class LockedBox<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) -> R) -> R { lock.withLock { body(&value) } }
}

/// A rendered PDF written to a temp file (removed again on deinit), inspected with poppler-utils.
final class PDFOutput {
    let url: URL
    deinit { try? FileManager.default.removeItem(at: url) }

    init(_ data: Data) throws {
        #expect(data.starts(with: Array("%PDF-".utf8)), "not a PDF")
        url = FileManager.default.temporaryDirectory.appendingPathComponent("casefile-\(UUID().uuidString).pdf")
        try data.write(to: url)
    }

    func text() throws -> String { try Self.run("pdftotext", ["-layout", "-enc", "UTF-8", url.path, "-"]) }

    /// pdfinfo "Key: value" lines.
    func info() throws -> [String: String] {
        var result: [String: String] = [:]
        for line in try Self.run("pdfinfo", [url.path]).split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            result[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return result
    }

    /// pdffonts rows: name and the "emb" column (located from the header's dashes).
    func fonts() throws -> [(name: String, embedded: String)] {
        let lines = try Self.run("pdffonts", [url.path]).split(separator: "\n").map(String.init)
        guard lines.count >= 2, let embIndex = lines[0].split(separator: " ", omittingEmptySubsequences: true).firstIndex(of: "emb")
        else { return [] }
        // Column extents come from the dashes line, since names and types contain spaces.
        var columns: [Range<Int>] = []
        var start: Int?
        for (i, c) in lines[1].enumerated() {
            if c == "-", start == nil { start = i }
            if c != "-", let s = start { columns.append(s..<i); start = nil }
        }
        if let s = start { columns.append(s..<lines[1].count) }
        // Header words: name, type, encoding, emb ... ("name" is one column, "type" and "encoding" too).
        let embColumn = columns[embIndex]
        return lines.dropFirst(2).map { line in
            let chars = Array(line)
            func field(_ r: Range<Int>) -> String {
                String(chars[min(r.lowerBound, chars.count)..<min(r.upperBound, chars.count)]).trimmingCharacters(in: .whitespaces)
            }
            return (field(columns[0]), field(embColumn))
        }
    }

    static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/\(tool)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path else {
            Issue.record("\(tool) not found on PATH: apt-get install poppler-utils")
            throw CocoaError(.fileNoSuchFile)
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            Issue.record("\(tool) \(arguments.joined(separator: " ")) exited \(process.terminationStatus)")
            throw CocoaError(.fileReadCorruptFile)
        }
        return String(decoding: data, as: UTF8.self)
    }
}
