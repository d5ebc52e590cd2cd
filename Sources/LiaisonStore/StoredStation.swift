import Foundation
import Geodesy
import LiaisonCore

/// A station's nested parts (address, hours, modes, staff) as both stores keep them: JSON
/// texts in ``JSONOutput``'s canonical form, so that the same station is the same bytes in
/// SpatiaLite and in PostgreSQL, and an export is byte-identical from either.
public struct StoredStationTexts: Sendable, Equatable {
    public let address: String
    public let hours: String
    public let modes: String
    public let staff: String

    public init(_ station: Station) throws {
        address = try JSONOutput.string(station.address)
        hours = try JSONOutput.string(station.hours)
        modes = try JSONOutput.string(station.modes.map(\.rawValue))
        staff = try JSONOutput.string(station.staff)
    }

    public init(address: String, hours: String, modes: String, staff: String) {
        self.address = address
        self.hours = hours
        self.modes = modes
        self.staff = staff
    }

    /// The station these texts belong to, with its flat fields.
    public func station(id: String, name: String, countyCode: String, phone: String, capacity: Int, status: StationStatus,
                        location: Coordinate) throws -> Station {
        let decoder = JSONDecoder()
        func json<T: Decodable>(_ text: String) throws -> T { try decoder.decode(T.self, from: Data(text.utf8)) }
        let modeNames: [String] = try json(modes)
        return Station(id: id, name: name, countyCode: countyCode, address: try json(address), phone: phone, hours: try json(hours),
                       modes: modeNames.compactMap(MediationMode.init(rawValue:)), capacity: capacity, status: status, staff: try json(staff),
                       location: try Coordinate.validated(latitude: location.latitude, longitude: location.longitude))
    }
}
