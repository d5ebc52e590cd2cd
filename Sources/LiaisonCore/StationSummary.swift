import Foundation
import Geodesy

/// A station as a map marker: enough to draw it and show its card.
public struct StationSummary: Sendable, Hashable, Codable {
    public let id: String
    public let name: String
    public let county_code: String
    public let county_name: String
    public let city_code: String
    public let city_name: String
    public let address: String
    public let modes: [MediationMode]
    public let phone: String
    public let location: NearestResponse.Point
    /// With `include=hours` (see ``NearestResponse/Item``).
    public var hours: WeeklyHours? = nil
    public var open_now: Bool? = nil
    public var next_open: String? = nil

    public init(_ s: Station, counties: CountyLocator, coordinateSystem: CoordinateSystem) {
        let place = counties.place(of: s)
        id = s.id
        name = s.name
        county_code = s.countyCode
        county_name = place.countyName
        city_code = place.cityCode
        city_name = place.cityName
        address = s.address.line
        modes = s.modes
        phone = s.phone
        location = .shown(s.location, in: coordinateSystem)
    }

    /// Adds what `include=hours` asks for, as of `instant`.
    public mutating func addHours(of station: Station, at instant: Date, calendar: WorkingCalendar) {
        let status = station.hours.opening(at: instant, calendar: calendar)
        hours = station.hours
        open_now = status.openNow
        next_open = status.nextOpen.map(Timestamp.shanghai)
    }
}
