/// How a complaint is mediated: at a station, or by multi-party video.
public enum MediationMode: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case offline
    case video

    /// The mode's bit in ``StationIndex``'s mode mask.
    public var bit: UInt8 {
        switch self {
        case .offline: 1
        case .video: 2
        }
    }

    public static func < (a: MediationMode, b: MediationMode) -> Bool { a.bit < b.bit }

    /// The names accepted on input, for error messages.
    public static let allowedNames = allCases.map(\.rawValue).joined(separator: ", ")
}

extension Sequence<MediationMode> {
    /// The station-index mask of these modes.
    public var mask: UInt8 { reduce(0) { $0 | $1.bit } }
}
