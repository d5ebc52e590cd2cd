import Foundation

extension RegisterFile {
    /// The file formats the register is exported to and imported from.
    public enum Format: String, Sendable, CaseIterable {
        /// A FeatureCollection with the schema of `geodata/stations.geojson`.
        case geojson
        /// ``StationCSV``: one row per station, for spreadsheets.
        case csv

        /// The format of a file: GeoJSON when its text starts with `{` (after an optional
        /// byte order mark and whitespace), which no CSV header can; otherwise GeoJSON for a
        /// `.geojson` or `.json` name (so the error says why it is not), else CSV.
        public static func detect(_ data: Data, path: String? = nil) -> Format {
            let body = data.starts(with: CSV.byteOrderMark) ? data.dropFirst(CSV.byteOrderMark.count) : data[...]
            if body.first(where: { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }) == UInt8(ascii: "{") { return .geojson }
            let name = (path ?? "").lowercased()
            return name.hasSuffix(".geojson") || name.hasSuffix(".json") ? .geojson : .csv
        }
    }

    /// Parses a file of the register in either format (see ``Format/detect(_:path:)``).
    ///
    /// A CSV file holds stations; it is checked with the same validation as GeoJSON, and its
    /// ``FeatureError`` names the row and the column.
    public static func parse(_ data: Data, path: String?, counties: CountyLocator) throws -> RegisterFile {
        switch Format.detect(data, path: path) {
        case .geojson: return try parse(data, counties: counties)
        case .csv: return .stations(try parseCSV(data, counties: counties))
        }
    }

    /// As ``parse(_:path:counties:)``, but a file of stations is checked to the end: it throws
    /// ``FeatureErrors`` naming every bad station (up to 1,000) rather than the first.
    public static func parseReportingEveryError(_ data: Data, path: String?, counties: CountyLocator) throws -> RegisterFile {
        switch Format.detect(data, path: path) {
        case .geojson: return try parse(data, counties: counties, everyError: true)
        case .csv: return .stations(try parseCSV(data, counties: counties, everyError: true))
        }
    }

    static func parseCSV(_ data: Data, counties: CountyLocator, everyError: Bool = false) throws -> [Station] {
        let rows: [StationCSV.Row]
        do {
            rows = try StationCSV.rows(data)
        } catch {
            throw FormatError(description: "read as CSV (a GeoJSON file starts with {): \(error)")
        }
        var stations = StationValidator(counties: counties)
        var errors: [FeatureError] = []
        for (i, row) in rows.enumerated() {
            do throws(InvalidInput) {
                try stations.add(try StationCSV.feature(row))
            } catch {
                let problems = error.parameters.map { InvalidParameter(name: StationCSV.column(of: $0.name), reason: $0.reason) }
                let bad = FeatureError(index: i, id: row.id.isEmpty ? nil : row.id, problems: problems, row: row.row)
                guard everyError else { throw bad }
                errors.append(bad)
            }
        }
        guard errors.isEmpty else { throw FeatureErrors(errors) }
        return stations.stations
    }

    /// The stations as a file: sorted by id, active and retired alike.
    ///
    /// GeoJSON is a FeatureCollection with one feature per line, each written by ``JSONOutput``
    /// (keys sorted, numbers in Swift's shortest round-trip form); CSV is ``StationCSV``.
    /// Either reads back (``parse(_:path:counties:)``) to the same stations, and writes again
    /// to the same bytes. `byteOrderMark` (for Excel) applies to CSV only: JSON must not have one.
    public static func encode(stations: [Station], format: Format, byteOrderMark: Bool = false) throws -> Data {
        let features = stations.sorted { $0.id < $1.id }.map(StationFeature.init)
        switch format {
        case .csv:
            return StationCSV.encode(features, byteOrderMark: byteOrderMark)
        case .geojson:
            precondition(!byteOrderMark, "GeoJSON (RFC 7946) is written without a byte order mark")
            var data = Data("{\"features\":[\n".utf8)
            for (i, feature) in features.enumerated() {
                if i > 0 { data.append(contentsOf: ",\n".utf8) }
                data.append(try JSONOutput.encode(feature))
            }
            data.append(contentsOf: (features.isEmpty ? "]," : "\n],").utf8)
            data.append(contentsOf: "\"type\":\"FeatureCollection\"}\n".utf8)
            return data
        }
    }
}
