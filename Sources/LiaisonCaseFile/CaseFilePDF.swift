import CCairo
import Foundation

/// Renders a ``CaseFileDocument`` to A4 PDF bytes with cairo and a CJK font found through fontconfig.
public enum CaseFilePDF {
    /// A4 PDF bytes. Throws ``CaseFilePDFError`` (with a clear description) when cairo fails or no CJK font is found.
    ///
    /// Safe to call concurrently: every call uses its own cairo surface, context and font faces.
    public static func render(_ document: CaseFileDocument, author: String = "浙江省消费维权联络站", createdAt: Date = Date()) throws -> Data {
        let sink = ByteSink()
        return try withExtendedLifetime(sink) {
            let writer: cairo_write_func_t = { closure, bytes, length in
                guard let closure else { return CAIRO_STATUS_WRITE_ERROR }
                if let bytes, length > 0 {
                    Unmanaged<ByteSink>.fromOpaque(closure).takeUnretainedValue().data.append(bytes, count: Int(length))
                }
                return CAIRO_STATUS_SUCCESS
            }
            guard let surface = cairo_pdf_surface_create_for_stream(
                writer, Unmanaged.passUnretained(sink).toOpaque(), Layout.pageWidth, Layout.pageHeight)
            else { throw CaseFilePDFError.cairo(stage: "creating the PDF surface", status: "NULL surface") }
            defer { cairo_surface_destroy(surface) }
            try check(cairo_surface_status(surface), "creating the PDF surface")

            let metadata: [(cairo_pdf_metadata_t, String)] = [
                (CAIRO_PDF_METADATA_TITLE, singleLine(document.title)),
                (CAIRO_PDF_METADATA_AUTHOR, singleLine(author)),
                (CAIRO_PDF_METADATA_CREATOR, "liaison"),
                (CAIRO_PDF_METADATA_CREATE_DATE, createdAt.formatted(.iso8601)),
            ]
            for (key, value) in metadata { cairo_pdf_surface_set_metadata(surface, key, value) }

            guard let cr = cairo_create(surface) else { throw CaseFilePDFError.cairo(stage: "creating the context", status: "NULL context") }
            defer { cairo_destroy(cr) }
            try check(cairo_status(cr), "creating the context")

            let (regular, bold) = try makeFontFaces()
            defer { cairo_font_face_destroy(regular); cairo_font_face_destroy(bold) }

            let renderer = Renderer(cr: cr, regular: regular, bold: bold)
            renderer.layout(document)                        // pass 1: measure and paginate
            renderer.draw(footer: singleLine(document.footer)) // pass 2: draw, now that the page count is known
            try check(cairo_status(cr), "drawing")
            cairo_surface_finish(surface)
            try check(cairo_surface_status(surface), "writing the PDF")
            return sink.data
        }
    }

    /// Candidate families, in order of preference.
    static let fontFamilies = ["WenQuanYi Micro Hei", "Noto Sans CJK SC", "Noto Sans CJK"]
    /// Guards our fontconfig calls (fontconfig is thread-safe since 2.11, this is belt and braces).
    private static let fontconfigLock = NSLock()

    /// Resolves the first candidate whose matched font covers Chinese, and returns a regular and
    /// a synthetic-bold cairo face for that exact font file (the caller destroys both).
    static func makeFontFaces(families: [String] = fontFamilies) throws -> (regular: OpaquePointer, bold: OpaquePointer) {
        let match: OpaquePointer? = fontconfigLock.withLock {
            for family in families {
                guard let pattern = FcPatternCreate() else { continue }
                defer { FcPatternDestroy(pattern) }
                FcPatternAddString(pattern, FC_FAMILY, Array(family.utf8) + [0])
                FcConfigSubstitute(nil, pattern, FcMatchPattern)
                FcDefaultSubstitute(pattern)
                var result = FcResultNoMatch
                guard let match = FcFontMatch(nil, pattern, &result) else { continue }
                var charset: OpaquePointer?
                if result == FcResultMatch, FcPatternGetCharSet(match, FC_CHARSET, 0, &charset) == FcResultMatch,
                   ([0x4E2D, 0x6848, 0x9875] as [FcChar32]).allSatisfy({ FcCharSetHasChar(charset, $0) != 0 }) {  // 中 案 页
                    return match
                }
                FcPatternDestroy(match)
            }
            return nil
        }
        guard let match else { throw CaseFilePDFError.noCJKFont(tried: families) }
        defer { FcPatternDestroy(match) }  // cairo copies what it needs
        // cairo caches and shares faces per font file + options, so never mutate a face (e.g. with
        // cairo_ft_font_face_set_synthesize): ask for synthetic bold through the pattern instead.
        let boldPattern = FcPatternDuplicate(match)
        defer { if let boldPattern { FcPatternDestroy(boldPattern) } }
        if let boldPattern {
            FcPatternDel(boldPattern, FC_EMBOLDEN)
            FcPatternAddBool(boldPattern, FC_EMBOLDEN, FcTrue)
        }
        let regular = cairo_ft_font_face_create_for_pattern(match)
        let bold = boldPattern.flatMap { cairo_ft_font_face_create_for_pattern($0) }
        let faces = [regular, bold]
        if let failure = faces.map({ $0.map(cairo_font_face_status) ?? CAIRO_STATUS_NO_MEMORY }).first(where: { $0 != CAIRO_STATUS_SUCCESS }) {
            faces.forEach { cairo_font_face_destroy($0) }  // NULL-safe
            try check(failure, "creating the font faces")
        }
        return (regular!, bold!)  // both non-nil: a nil face counted as a failure above
    }

    private static func check(_ status: cairo_status_t, _ stage: String) throws {
        guard status != CAIRO_STATUS_SUCCESS else { return }
        throw CaseFilePDFError.cairo(stage: stage, status: String(cString: cairo_status_to_string(status)))
    }

    private static func singleLine(_ text: String) -> String {
        sanitize(text).replacingOccurrences(of: "\n", with: " ")
    }
}

/// Drops control characters; keeps newlines (CR/LF/CRLF, U+2028/9 become "\n") and turns tabs into spaces.
func sanitize(_ text: String) -> String {
    var out = String.UnicodeScalarView()
    var previousCR = false
    for scalar in text.unicodeScalars {
        defer { previousCR = scalar == "\r" }
        switch scalar {
        case "\n": if !previousCR { out.append("\n") }
        case "\r", "\u{2028}", "\u{2029}": out.append("\n")
        case "\t": out.append(" ")
        default: if scalar.properties.generalCategory != .control { out.append(scalar) }
        }
    }
    return String(out)
}

/// Accumulates the PDF bytes written by cairo.
private final class ByteSink { var data = Data() }

private enum Layout {
    static let pageWidth = 595.28, pageHeight = 841.89, margin = 50.0
    static let contentWidth = pageWidth - 2 * margin
    static let top = margin, bottom = pageHeight - margin - 24  // the footer lives in the last 24 pt
    static let labelWidth = 120.0, cellPadding = 3.0
}

private struct FontSpec: Hashable {
    var size: Double, bold: Bool
    var lineHeight: Double { size * 1.5 }
    static let title = FontSpec(size: 18, bold: true), subtitle = FontSpec(size: 11, bold: false)
    static let heading = FontSpec(size: 13, bold: true), body = FontSpec(size: 10, bold: false)
    static let label = FontSpec(size: 10, bold: true), footer = FontSpec(size: 8, bold: false)
}

private enum Op {
    case text(String, x: Double, y: Double, font: FontSpec)  // y = top of the line box
    case fill(x: Double, y: Double, w: Double, h: Double, gray: Double)
    case rect(x: Double, y: Double, w: Double, h: Double)
    case line(x1: Double, y1: Double, x2: Double, y2: Double)
}

/// Per-call layout engine: `layout` measures and splits content into pages of drawing ops, `draw` paints them.
private final class Renderer {
    private struct Cell { var x: Double, width: Double, lines: [String], font: FontSpec }

    let cr: OpaquePointer, regular: OpaquePointer, bold: OpaquePointer
    private var pages: [[Op]] = [[]]
    private var y = Layout.top
    private var freshPage = true  // nothing but (repeated) headers on the current page yet

    init(cr: OpaquePointer, regular: OpaquePointer, bold: OpaquePointer) {
        (self.cr, self.regular, self.bold) = (cr, regular, bold)
    }

    // MARK: Pass 1 – layout

    func layout(_ doc: CaseFileDocument) {
        emitLines(wrap(doc.title, Layout.contentWidth, .title), .title, centered: true)
        if let subtitle = doc.subtitle {
            emitLines(wrap(subtitle, Layout.contentWidth, .subtitle), .subtitle, centered: true)
        }
        y += 4
        emit(.line(x1: Layout.margin, y1: y, x2: Layout.margin + Layout.contentWidth, y2: y))
        y += 6
        for section in doc.sections {
            let heading = wrap(section.heading, Layout.contentWidth, .heading)
            y += 8  // keep the heading together with at least one body line:
            if y + Double(heading.count) * FontSpec.heading.lineHeight + 2 * FontSpec.body.lineHeight > Layout.bottom && !freshPage { newPage() }
            emitLines(heading, .heading)
            y += 2
            let valueX = Layout.margin + Layout.labelWidth, valueWidth = Layout.contentWidth - Layout.labelWidth
            for row in section.rows {
                emitRow([Cell(x: Layout.margin, width: Layout.labelWidth, lines: wrap(row.label, Layout.labelWidth - 8, .label), font: .label),
                         Cell(x: valueX, width: valueWidth, lines: wrap(row.value, valueWidth, .body), font: .body)],
                        padding: 1, boxed: false)
            }
            if let table = section.table, !table.columns.isEmpty { layoutTable(table) }
            for paragraph in section.paragraphs {
                y += 3
                emitLines(wrap(paragraph, Layout.contentWidth, .body), .body)
            }
        }
    }

    private func layoutTable(_ table: CaseFileDocument.Table) {
        y += 4
        let valid = table.widths.count == table.columns.count && table.widths.allSatisfy { $0.isFinite && $0 > 0 }
        let weights = valid ? table.widths : Array(repeating: 1.0, count: table.columns.count)
        let total = weights.reduce(0, +)
        var x = Layout.margin
        let columns: [(x: Double, width: Double)] = weights.map { weight in
            defer { x += Layout.contentWidth * weight / total }
            return (x, Layout.contentWidth * weight / total)
        }
        func cells(_ texts: [String], _ font: FontSpec) -> [Cell] {
            columns.enumerated().map { i, column in
                let text = i < texts.count ? texts[i] : ""
                return Cell(x: column.x, width: column.width, lines: wrap(text, column.width - 2 * Layout.cellPadding, font), font: font)
            }
        }
        let header = cells(table.columns, .label)
        let drawHeader = { self.emitRow(header, padding: Layout.cellPadding, boxed: true, fill: 0.88) }
        drawHeader()
        for row in table.rows {
            emitRow(cells(row, .body), padding: Layout.cellPadding, boxed: true, onNewPage: drawHeader)
        }
    }

    private func newPage() {
        pages.append([])
        y = Layout.top
        freshPage = true
    }

    private func emit(_ op: Op) { pages[pages.count - 1].append(op) }

    /// Single-column lines, moving to a new page line by line.
    private func emitLines(_ lines: [String], _ font: FontSpec, centered: Bool = false) {
        for line in lines {
            if y + font.lineHeight > Layout.bottom && !freshPage { newPage() }
            let x = centered ? Layout.margin + max(0, (Layout.contentWidth - width(line, font)) / 2) : Layout.margin
            emit(.text(line, x: x, y: y, font: font))
            y += font.lineHeight
            freshPage = false
        }
    }

    /// A row of side-by-side wrapped cells. A row that does not fit moves to a new page (where
    /// `onNewPage` repeats the table header); a row taller than a whole page is split between lines.
    private func emitRow(_ cells: [Cell], padding: Double, boxed: Bool, fill: Double? = nil, onNewPage: () -> Void = {}) {
        let lineHeight = cells.map(\.font.lineHeight).max() ?? FontSpec.body.lineHeight
        let total = max(1, cells.map(\.lines.count).max() ?? 1)
        var start = 0
        while start < total {
            let fits = Int(((Layout.bottom - y - 2 * padding) / lineHeight).rounded(.down))
            let pageHolds = Int(((Layout.bottom - Layout.top - 2 * padding) / lineHeight).rounded(.down))
            // Move to a new page when the rest would fit there (or nothing fits here); otherwise split now.
            if fits < total - start && !freshPage && (total - start <= pageHolds || fits < 1) {
                newPage()
                onNewPage()
                freshPage = true  // a page holding only the header counts as fresh
                continue
            }
            let count = max(1, min(total - start, fits))  // always progress, even on a tiny page
            let height = Double(count) * lineHeight + 2 * padding
            if let fill { for cell in cells { emit(.fill(x: cell.x, y: y, w: cell.width, h: height, gray: fill)) } }
            for cell in cells {
                if boxed { emit(.rect(x: cell.x, y: y, w: cell.width, h: height)) }
                for (i, line) in cell.lines.dropFirst(start).prefix(count).enumerated() where !line.isEmpty {
                    emit(.text(line, x: cell.x + (boxed ? Layout.cellPadding : 0), y: y + padding + Double(i) * lineHeight, font: cell.font))
                }
            }
            y += height
            start += count
            freshPage = false
        }
    }

    // MARK: Measuring and wrapping

    private func setFont(_ font: FontSpec) {
        cairo_set_font_face(cr, font.bold ? bold : regular)
        cairo_set_font_size(cr, font.size)
    }

    private func width(_ text: String, _ font: FontSpec) -> Double {
        setFont(font)
        var extents = cairo_text_extents_t()
        cairo_text_extents(cr, text, &extents)
        return extents.x_advance
    }

    /// Greedy wrap: CJK (and other wide) characters break anywhere, Latin runs break at spaces,
    /// and a token wider than the line is broken per character. Always returns at least one line.
    private func wrap(_ text: String, _ maxWidth: Double, _ font: FontSpec) -> [String] {
        var lines: [String] = []
        for paragraph in sanitize(text).split(separator: "\n", omittingEmptySubsequences: false) {
            var line = "", lineWidth = 0.0
            func flush() {
                lines.append(String(line.reversed().drop(while: \.isWhitespace).reversed()))
                (line, lineWidth) = ("", 0)
            }
            for token in tokens(paragraph) {
                let tokenWidth = width(token, font)
                if lineWidth + tokenWidth <= maxWidth { line += token; lineWidth += tokenWidth; continue }
                if token.first?.isWhitespace == true { flush(); continue }  // break at the space, drop it
                if !line.isEmpty { flush() }
                if tokenWidth <= maxWidth { (line, lineWidth) = (token, tokenWidth); continue }
                for character in token {  // a single over-long token: break per character
                    let characterWidth = width(String(character), font)
                    if lineWidth + characterWidth > maxWidth && !line.isEmpty { flush() }
                    line.append(character)
                    lineWidth += characterWidth
                }
            }
            flush()
        }
        return lines
    }

    /// Splits into whitespace runs, single wide characters (CJK, fullwidth, emoji) and runs of other characters.
    private func tokens(_ text: Substring) -> [String] {
        var tokens: [String] = []
        var current = "", currentIsSpace = false
        for character in text {
            let isSpace = character.isWhitespace
            let isWide = !isSpace && (character.unicodeScalars.first?.value ?? 0) >= 0x2E80
            if isWide || current.isEmpty || isSpace != currentIsSpace {
                if !current.isEmpty { tokens.append(current) }
                current = ""
            }
            if isWide { tokens.append(String(character)) } else { current.append(character); currentIsSpace = isSpace }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    // MARK: Pass 2 – drawing

    func draw(footer: String) {
        let footerFont = FontSpec.footer
        let footerY = Layout.pageHeight - Layout.margin - footerFont.lineHeight
        for (index, ops) in pages.enumerated() {
            for op in ops { draw(op) }
            let pageLabel = "第 \(index + 1) 页 / 共 \(pages.count) 页"
            let labelWidth = width(pageLabel, footerFont)
            let footerLines = wrap(footer, max(10, Layout.contentWidth - labelWidth - 20), footerFont)
            let footerText = footerLines.count > 1 ? String(footerLines[0].dropLast()) + "…" : footerLines[0]
            draw(.line(x1: Layout.margin, y1: footerY - 4, x2: Layout.margin + Layout.contentWidth, y2: footerY - 4))
            draw(.text(footerText, x: Layout.margin, y: footerY, font: footerFont))
            draw(.text(pageLabel, x: Layout.margin + Layout.contentWidth - labelWidth, y: footerY, font: footerFont))
            cairo_show_page(cr)
        }
    }

    private func draw(_ op: Op) {
        switch op {
        case let .text(text, x, top, font):
            setFont(font)
            var extents = cairo_font_extents_t()
            cairo_font_extents(cr, &extents)
            let baseline = top + (font.lineHeight - extents.ascent - extents.descent) / 2 + extents.ascent
            cairo_set_source_rgb(cr, 0, 0, 0)
            cairo_move_to(cr, x, baseline)
            cairo_show_text(cr, text)
        case let .fill(x, y, w, h, gray):
            cairo_set_source_rgb(cr, gray, gray, gray)
            cairo_rectangle(cr, x, y, w, h)
            cairo_fill(cr)
        case let .rect(x, y, w, h):
            cairo_set_source_rgb(cr, 0.4, 0.4, 0.4)
            cairo_set_line_width(cr, 0.5)
            cairo_rectangle(cr, x, y, w, h)
            cairo_stroke(cr)
        case let .line(x1, y1, x2, y2):
            cairo_set_source_rgb(cr, 0.4, 0.4, 0.4)
            cairo_set_line_width(cr, 0.5)
            cairo_move_to(cr, x1, y1)
            cairo_line_to(cr, x2, y2)
            cairo_stroke(cr)
        }
    }
}
