import Foundation

/// A GeoJSON file of the register: stations or counties, parsed and validated feature by feature.
public enum RegisterFile: Sendable {
    case stations([Station])
    case counties([County])

    /// A feature that failed: its position in `features`, its id when it has one, and why.
    public struct FeatureError: Error, Sendable, CustomStringConvertible {
        public let index: Int
        public let id: String?
        public let problems: [InvalidParameter]
        /// For a CSV file, the feature's row as a spreadsheet numbers it (the header is row 1);
        /// the problems are then named by column.
        public let row: Int?

        public init(index: Int, id: String?, problems: [InvalidParameter], row: Int? = nil) {
            self.index = index
            self.id = id
            self.problems = problems
            self.row = row
        }

        public var description: String {
            let place = row.map { "row \($0)" } ?? "feature \(index)"
            return "\(place) (id \(id.map { "\"\($0)\"" } ?? "missing")): " + problems.map(\.description).joined(separator: "; ")
        }
    }

    /// Every bad station of a file (the first ``limit`` of them, and how many there are): what
    /// `liaison import` reports so that one run finds them all.
    public struct FeatureErrors: Error, Sendable, CustomStringConvertible {
        public static let limit = 1_000
        public let errors: [FeatureError]
        public let total: Int

        init(_ all: [FeatureError]) {
            errors = Array(all.prefix(Self.limit))
            total = all.count
        }

        public var description: String {
            "\(total) bad \(total == 1 ? "station" : "stations"):\n" + errors.map(\.description).joined(separator: "\n")
                + (total > errors.count ? "\n… and \(total - errors.count) more" : "")
        }
    }

    /// A file that is not a FeatureCollection of one kind.
    public struct FormatError: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Parses a FeatureCollection of stations (Point features) or counties ((Multi)Polygon features).
    /// A leading UTF-8 byte order mark is skipped.
    ///
    /// - Parameter counties: the counties stations are checked against; a file of counties is
    ///   checked on its own.
    /// - Throws: ``FormatError`` for a file that is not such a collection; ``FeatureError`` for
    ///   the first bad feature, naming its index, id and every bad field.
    public static func parse(_ data: Data, counties: CountyLocator) throws -> RegisterFile {
        try parse(data, counties: counties, everyError: false)
    }

    /// With `everyError`, a file of stations throws ``FeatureErrors`` naming every bad one.
    static func parse(_ data: Data, counties: CountyLocator, everyError: Bool) throws -> RegisterFile {
        let data = data.starts(with: CSV.byteOrderMark) ? Data(data.dropFirst(CSV.byteOrderMark.count)) : data
        let decoder = JSONDecoder()
        let head: Head
        do {
            head = try decoder.decode(Head.self, from: data)
        } catch {
            throw FormatError(description: "not a GeoJSON FeatureCollection: \(Self.describe(error))")
        }
        guard head.type == "FeatureCollection" else {
            throw FormatError(description: "top-level type is \"\(head.type)\": expected \"FeatureCollection\"")
        }
        // Features without a geometry do not decide the kind; their own decoding names them.
        let kinds = Set(head.features.compactMap { $0.geometry?.type })
        if kinds.isSubset(of: ["Point"]) {
            let (stations, errors) = try stationFeatures(data, head: head, counties: counties)
            if everyError, !errors.isEmpty { throw FeatureErrors(errors) }
            if let first = errors.first { throw first }
            return .stations(stations)
        }
        if kinds.isSubset(of: ["Polygon", "MultiPolygon"]) {
            let attempts = try decoder.decode(Body<CountyFeature>.self, from: data).features
            var result: [County] = []
            var seen: Set<String> = []
            for (i, attempt) in attempts.enumerated() {
                let feature = try attempt.get(index: i, id: head.features[i].id)
                do throws(InvalidInput) {
                    let county = try feature.validated()
                    guard seen.insert(county.adcode).inserted else {
                        throw InvalidInput(name: "properties.adcode", reason: "\"\(county.adcode)\" appears more than once in the file")
                    }
                    result.append(county)
                } catch {
                    throw FeatureError(index: i, id: feature.id ?? feature.properties.adcode, problems: error.parameters)
                }
            }
            return .counties(result)
        }
        throw FormatError(description: "features have geometry types \(kinds.sorted().joined(separator: ", ")): expected all Point (stations) or all Polygon/MultiPolygon (counties)")
    }

    /// Parses a FeatureCollection of stations, checking every feature: the valid stations and
    /// one error per bad feature (for reports that list them all).
    public static func parseStations(_ data: Data, counties: CountyLocator) throws -> (stations: [Station], errors: [FeatureError]) {
        let data = data.starts(with: CSV.byteOrderMark) ? Data(data.dropFirst(CSV.byteOrderMark.count)) : data
        let head: Head
        do {
            head = try JSONDecoder().decode(Head.self, from: data)
        } catch {
            throw FormatError(description: "not a GeoJSON FeatureCollection: \(Self.describe(error))")
        }
        guard head.type == "FeatureCollection" else {
            throw FormatError(description: "top-level type is \"\(head.type)\": expected \"FeatureCollection\"")
        }
        return try stationFeatures(data, head: head, counties: counties)
    }

    private static func stationFeatures(_ data: Data, head: Head, counties: CountyLocator) throws -> ([Station], [FeatureError]) {
        let attempts = try JSONDecoder().decode(Body<StationFeature>.self, from: data).features
        var stations = StationValidator(counties: counties)
        var errors: [FeatureError] = []
        for (i, attempt) in attempts.enumerated() {
            do throws(FeatureError) {
                let feature = try attempt.get(index: i, id: head.features[i].id)
                do throws(InvalidInput) {
                    try stations.add(feature)
                } catch {
                    throw FeatureError(index: i, id: feature.id, problems: error.parameters)
                }
            } catch {
                errors.append(error)
            }
        }
        return (stations.stations, errors)
    }

    /// Checks station features one at a time, in file order: each on its own
    /// (``StationFeature/validated(counties:)``) and no id twice.
    struct StationValidator {
        let counties: CountyLocator
        private var seen: Set<String> = []
        private(set) var stations: [Station] = []

        init(counties: CountyLocator) {
            self.counties = counties
        }

        mutating func add(_ feature: StationFeature) throws(InvalidInput) {
            let station = try feature.validated(counties: counties)
            guard seen.insert(station.id).inserted else {
                throw InvalidInput(name: "id", reason: "\"\(station.id)\" appears more than once in the file")
            }
            stations.append(station)
        }
    }

    /// Just enough of a FeatureCollection to tell its kind and name its features.
    private struct Head: Decodable {
        struct Feature: Decodable {
            struct Geometry: Decodable { let type: String? }
            let id: String?
            let geometry: Geometry?
        }
        let type: String
        let features: [Feature]
    }

    private struct Body<F: Decodable>: Decodable {
        let features: [Attempt<F>]
    }

    /// Decodes one feature without failing the whole array, so the error can name the feature.
    private struct Attempt<F: Decodable>: Decodable {
        let result: Result<F, any Error>

        init(from decoder: any Decoder) throws {
            result = Result { try F(from: decoder) }
        }

        func get(index: Int, id: String?) throws(FeatureError) -> F {
            switch result {
            case .success(let feature): return feature
            case .failure(let error): throw FeatureError(index: index, id: id, problems: [RegisterFile.parameter(for: error)])
            }
        }
    }

    static func parameter(for error: any Error) -> InvalidParameter {
        guard let error = error as? DecodingError else { return InvalidParameter(name: "feature", reason: "\(error)") }
        func path(_ context: DecodingError.Context) -> String {
            // Paths start inside the feature (`properties.phone`), as validation errors do.
            var keys = context.codingPath
            if keys.first?.stringValue == "features" { keys.removeFirst(min(2, keys.count)) }
            return keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
        }
        switch error {
        case .keyNotFound(let key, let context):
            let parent = path(context)
            return InvalidParameter(name: parent.isEmpty ? key.stringValue : "\(parent).\(key.stringValue)", reason: "is required")
        case .typeMismatch(let type, let context):
            return InvalidParameter(name: path(context), reason: "has the wrong type: expected \(type)")
        case .valueNotFound(let type, let context):
            return InvalidParameter(name: path(context), reason: "is null: expected \(type)")
        case .dataCorrupted(let context):
            return InvalidParameter(name: path(context), reason: context.debugDescription)
        @unknown default:
            return InvalidParameter(name: "feature", reason: "\(error)")
        }
    }

    private static func describe(_ error: any Error) -> String {
        let p = parameter(for: error)
        return p.name.isEmpty ? p.reason : "\(p.name) \(p.reason)"
    }
}
