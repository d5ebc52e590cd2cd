import Foundation

/// A case-file document (titles, label/value blocks, tables, free text) to be rendered by ``CaseFilePDF``.
///
/// All text may contain any Unicode; control characters are stripped when rendering
/// (newlines are kept as line breaks, tabs become spaces).
public struct CaseFileDocument: Sendable, Hashable {
    /// Main title, centred on the first page, e.g. "消费纠纷诉调对接案卷". Also the PDF metadata title.
    public var title: String
    /// Optional line under the title, e.g. "投诉编号 ZJ-20261203-000001".
    public var subtitle: String?
    /// Printed at the bottom of every page next to "第 N 页 / 共 M 页".
    public var footer: String
    /// Sections in order.
    public var sections: [Section]

    /// A headed section: label/value rows, then an optional table, then free paragraphs.
    public struct Section: Sendable, Hashable {
        public var heading: String
        /// Label/value pairs, rendered as a two-column block.
        public var rows: [Row]
        /// Optional table after the rows (e.g. the timeline). Its header repeats on every page it spans.
        public var table: Table?
        /// Optional free text after rows/table; each string is one paragraph.
        public var paragraphs: [String]

        public init(heading: String, rows: [Row] = [], table: Table? = nil, paragraphs: [String] = []) {
            self.heading = heading
            self.rows = rows
            self.table = table
            self.paragraphs = paragraphs
        }
    }

    /// One label/value pair.
    public struct Row: Sendable, Hashable {
        public var label: String
        public var value: String
        public init(_ label: String, _ value: String) {
            self.label = label
            self.value = value
        }
    }

    /// A table whose cells wrap inside their column.
    public struct Table: Sendable, Hashable {
        public var columns: [String]
        /// Relative column widths, same count as `columns`. If the count differs or a width
        /// is not a positive finite number, the columns are made equally wide.
        public var widths: [Double]
        /// Cells per row; missing cells render empty, extra cells are ignored.
        public var rows: [[String]]
        public init(columns: [String], widths: [Double], rows: [[String]]) {
            self.columns = columns
            self.widths = widths
            self.rows = rows
        }
    }

    public init(title: String, subtitle: String?, footer: String, sections: [Section]) {
        self.title = title
        self.subtitle = subtitle
        self.footer = footer
        self.sections = sections
    }
}

/// Why ``CaseFilePDF/render(_:author:createdAt:)`` failed.
public enum CaseFilePDFError: Error, Sendable, Hashable, CustomStringConvertible, LocalizedError {
    /// None of the candidate families resolved (through fontconfig) to a font covering Chinese.
    case noCJKFont(tried: [String])
    /// cairo reported an error status during `stage`.
    case cairo(stage: String, status: String)

    public var description: String {
        switch self {
        case .noCJKFont(let tried):
            return "No CJK font found through fontconfig (tried \(tried.joined(separator: ", "))). "
                + "Install the Debian package fonts-wqy-microhei (apt-get install fonts-wqy-microhei)."
        case .cairo(let stage, let status):
            return "cairo failed while \(stage): \(status)"
        }
    }

    public var errorDescription: String? { description }
}
