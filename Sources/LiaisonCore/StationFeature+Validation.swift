import Foundation
import Geodesy

extension StationFeature {
    /// How far outside its declared county's simplified polygon a station may lie, metres.
    /// The polygons are simplified to about 100 m.
    public static let countyToleranceMeters = 200.0

    /// Checks every field and makes a ``Station`` of the feature.
    ///
    /// - Parameter counties: the counties, to check `county_code` against the location.
    /// - Throws: ``InvalidInput`` listing each bad field by its path (`properties.staff[0].mobile`).
    public func validated(counties: CountyLocator) throws(InvalidInput) -> Station {
        var problems: [InvalidParameter] = []
        func problem(_ name: String, _ reason: String) { problems.append(InvalidParameter(name: name, reason: reason)) }
        let p = properties

        if type != "Feature" { problem("type", "\"\(type)\" is not allowed: expected \"Feature\"") }
        if !Self.isStationID(id) {
            problem("id", "\"\(id)\" is not a station id: expected ADCODE-NNNN, e.g. 330127-0012")
        } else if !id.hasPrefix(p.county_code + "-") {
            problem("id", "\"\(id)\" does not start with its county_code \(p.county_code)")
        }

        var location: Coordinate?
        if geometry.type != "Point" || geometry.coordinates.count < 2 {
            problem("geometry", "expected a GeoJSON Point with coordinates [lng, lat]")
        } else {
            do {
                location = try Coordinate.validated(latitude: geometry.coordinates[1], longitude: geometry.coordinates[0])
            } catch {
                problem("geometry.coordinates", "\(error.field) \(error.value) is out of range: expected \(error.allowed)")
            }
        }

        // The one rule for typed text (FreeText), over every string of the properties.
        if let encoded = try? JSONEncoder().encode(p), let object = try? JSONSerialization.jsonObject(with: encoded) {
            problems += FreeText.problems(in: object, at: "properties")
        }
        let name = p.name.trimmingCharacters(in: .whitespaces)
        if name.isEmpty || name.count > 64 { problem("properties.name", "expected 1 to 64 characters, got \(name.count)") }

        if let county = counties.county(code: p.county_code) {
            if let location, !county.boundary.contains(location) {
                let distance = county.boundary.nearestBoundaryPoint(to: location).distanceMeters
                if distance > Self.countyToleranceMeters {
                    let actual: String
                    switch counties.locate(location) {
                    case .inside(let other): actual = "lies in \(other.adcode) \(other.name)"
                    default: actual = "lies outside Zhejiang"
                    }
                    problem("geometry.coordinates", "the location \(actual), \(Int(distance.rounded())) m from declared county \(county.adcode) \(county.name): expected a point in the declared county")
                }
            }
        } else {
            problem("properties.county_code", counties.unknown(p.county_code))
        }

        for (field, value) in [("city", p.address.city), ("county", p.address.county), ("town", p.address.town), ("village", p.address.village)]
        where value.trimmingCharacters(in: .whitespaces).isEmpty {
            problem("properties.address.\(field)", "must not be empty")
        }
        if !Self.isPhone(p.phone) {
            problem("properties.phone", "\"\(p.phone)\" is not a phone number: expected 5 to 20 digits, optionally with +, -, spaces or parentheses")
        }
        problems += p.hours.problems(field: "properties.hours")
        // A station that never opens could receive complaints it can never schedule.
        if p.status == StationStatus.active.rawValue, p.hours.days.allSatisfy({ $0.intervals.isEmpty }) {
            problem("properties.hours", "every day is closed: an active station must open at least one day, e.g. \"mon\": [\"09:00-17:00\"]")
        }

        var modes: [MediationMode] = []
        for (i, raw) in p.modes.enumerated() {
            guard let mode = MediationMode(rawValue: raw) else {
                problem("properties.modes[\(i)]", "unknown mode \"\(raw)\": expected one of \(MediationMode.allowedNames)")
                continue
            }
            if modes.contains(mode) { problem("properties.modes[\(i)]", "\"\(raw)\" is listed twice") } else { modes.append(mode) }
        }
        if p.modes.isEmpty { problem("properties.modes", "expected at least one of \(MediationMode.allowedNames)") }
        if !(1...1000).contains(p.capacity) { problem("properties.capacity", "\(p.capacity) is out of range: expected an integer from 1 to 1000") }
        let status = StationStatus(rawValue: p.status)
        if status == nil {
            problem("properties.status", "unknown status \"\(p.status)\": expected one of \(StationStatus.allCases.map(\.rawValue).joined(separator: ", "))")
        }

        var staff: [StaffMember] = []
        if p.staff.isEmpty { problem("properties.staff", "expected at least one staff member") }
        var ids: Set<String> = []
        for (i, member) in p.staff.enumerated() {
            // A member without an id is numbered after the ones with (Station's initializer).
            if !member.id.isEmpty {
                if StaffMember.number(of: member.id) == nil {
                    problem("properties.staff[\(i)].id", "\"\(member.id)\" is not a staff id: expected \(StaffMember.idAllowed)")
                } else if !ids.insert(member.id).inserted {
                    problem("properties.staff[\(i)].id", "\"\(member.id)\" is listed twice: expected ids unique within the station")
                }
            }
            if member.name.trimmingCharacters(in: .whitespaces).isEmpty { problem("properties.staff[\(i)].name", "must not be empty") }
            if member.role.trimmingCharacters(in: .whitespaces).isEmpty { problem("properties.staff[\(i)].role", "must not be empty") }
            if let mobile = MobileNumber.normalized(member.mobile) {
                staff.append(StaffMember(id: member.id, name: member.name, role: member.role, mobile: mobile))
            } else {
                problem("properties.staff[\(i)].mobile", "\"\(member.mobile)\" is not a mobile number: expected \(MobileNumber.allowed)")
            }
        }

        guard problems.isEmpty, let location, let status else { throw InvalidInput(problems) }
        return Station(id: id, name: name, countyCode: p.county_code, address: p.address, phone: p.phone, hours: p.hours,
                       modes: modes.sorted(), capacity: p.capacity, status: status, staff: staff, location: location)
    }

    static func isStationID(_ id: String) -> Bool {
        let b = Array(id.utf8)
        return b.count == 11 && b[6] == UInt8(ascii: "-")
            && b.enumerated().allSatisfy { i, c in i == 6 || (48...57).contains(c) }
    }

    static func isPhone(_ phone: String) -> Bool {
        let digits = phone.filter(\.isASCII).filter(\.isNumber).count
        return (5...20).contains(digits) && phone.allSatisfy { $0.isASCII && ($0.isNumber || "+-() ".contains($0)) }
    }
}
