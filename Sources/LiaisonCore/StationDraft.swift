import Foundation
import Geodesy

/// A station as staff write it over HTTP or the CLI: the fields a client may set, nothing else
/// (no id, status or timestamps: no mass assignment).
///
/// ```json
/// {"name":"龙坞村消费维权联络站","location":{"lat":30.2,"lng":120.1,"coordsys":"gcj02"},
///  "address":{"town":"转塘街道","village":"龙坞村"},"phone":"0571-87654321",
///  "hours":{"mon":["08:30-11:30"],"tue":[],"wed":[],"thu":[],"fri":[],"sat":[],"sun":[]},
///  "modes":["offline","video"],"capacity":10,"staff":[{"name":"王建国","role":"站长","mobile":"+86 138 0013 8000"}],
///  "county_code":"330106","allow_nearby":false}
/// ```
/// `county_code` is optional (the county is derived from the location; a different one is an
/// error); `allow_nearby` says that another active station within 100 m is intended, and
/// `allow_duplicate` that one with the same name within 1 km, or sharing a staff mobile, is.
///
/// A staff entry may carry its `id` (`s2`, as reads show it): that entry is that member, and a
/// mobile sent exactly as reads mask it (`138****8000`) keeps the member's stored number, so an
/// edit need not re-enter every mobile. An entry without an id is a new member.
public enum StationDraft {
    /// Nearby active stations closer than this need `allow_nearby`.
    public static let nearbyMeters = 100.0

    static let fields: Set<String> = ["name", "location", "address", "phone", "hours", "modes", "capacity", "staff", "county_code",
                                      "allow_nearby", "allow_duplicate"]
    /// An active station with the same normalised name closer than this is a duplicate unless
    /// the draft says `allow_duplicate`.
    public static let sameNameMeters = 1_000.0
    static let required: [String] = ["name", "location", "address", "phone", "hours", "modes", "capacity", "staff"]
    static let locationFields: Set<String> = ["lat", "lng", "coordsys"]
    static let addressFields: Set<String> = ["town", "village"]
    static let staffFields: Set<String> = ["id", "name", "role", "mobile"]
    static let days: Set<String> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

    /// A validated draft: the station (with a placeholder id until the store assigns one) and
    /// whether closeness to another station is intended.
    public struct Validated: Sendable {
        public var station: Station
        public let allowNearby: Bool
        public var allowDuplicate = false
    }

    /// A station name as a duplicate check compares it: compatibility forms folded (full-width
    /// to half-width), white space removed, letters in lower case.
    public static func normalisedName(_ name: String) -> String {
        String(name.precomposedStringWithCompatibilityMapping.unicodeScalars.filter { !$0.properties.isWhitespace }).lowercased()
    }

    /// Parses a JSON object body into a dictionary, or says why it is not one.
    public static func object(from body: Data) throws(InvalidInput) -> [String: Any] {
        let object = try JSONBody.object(body, expected: "a JSON object with the station's fields")
        return object
    }

    /// Validates a complete draft into a station.
    ///
    /// - Parameters:
    ///   - object: the draft as a JSON object (a create body, or a station with a merge patch applied).
    ///   - id: the station's id when it exists; nil for a new station.
    ///   - staff: the station's members as stored (full mobiles), whom entries with an `id` name; none for a new station.
    ///   - staffIssued: the highest staff number the station ever gave (its history): new members are numbered above it.
    /// - Throws: ``InvalidInput`` naming every bad field (`staff[0].mobile`, `location`, `county_code`...).
    public static func validate(_ object: [String: Any], id: String?, counties: CountyLocator,
                                staff known: [StaffMember] = [], staffIssued: Int = 0) throws(InvalidInput) -> Validated {
        var problems: [InvalidParameter] = []
        problems += unknownFields(object, allowed: fields, prefix: "")
        problems += FreeText.problems(in: object)
        var object = FreeText.normalized(object) as? [String: Any] ?? object
        for name in required where object[name] == nil || object[name] is NSNull {
            problems.append(InvalidParameter(name: name, reason: "is required"))
        }
        if let location = object["location"] as? [String: Any] {
            problems += unknownFields(location, allowed: locationFields, prefix: "location.")
        } else if object["location"] != nil {
            problems.append(InvalidParameter(name: "location", reason: "expected an object {\"lat\", \"lng\", \"coordsys\"}"))
        }
        if let address = object["address"] as? [String: Any] { problems += unknownFields(address, allowed: addressFields, prefix: "address.") }
        if let hours = object["hours"] as? [String: Any] { problems += unknownFields(hours, allowed: days, prefix: "hours.") }
        if let staff = object["staff"] as? [[String: Any]] {
            for (i, member) in staff.enumerated() { problems += unknownFields(member, allowed: staffFields, prefix: "staff[\(i)].") }
            let resolved = resolveStaff(staff, known: known, issued: staffIssued)
            problems += resolved.problems
            object["staff"] = resolved.entries
        }
        // What is found from here on is reported together with the problems above: an unknown
        // or missing field does not hide a bad value elsewhere (the decoder ignores unknown keys).
        let early = problems
        func failing(_ more: [InvalidParameter]) -> InvalidInput {
            InvalidInput(early + more.filter { found in !early.contains { $0.name == found.name } })
        }
        func failing(_ name: String, _ reason: String) -> InvalidInput { failing([InvalidParameter(name: name, reason: reason)]) }

        // Typed decoding names the first field of the wrong type.
        let draft: Body
        do {
            draft = try JSONDecoder().decode(Body.self, from: JSONSerialization.data(withJSONObject: object))
        } catch let error as DecodingError {
            throw failing([RegisterFile.parameter(for: error)])
        } catch {
            throw failing("body", "\(error)")
        }

        // Where: any coordinate system in, WGS-84 stored; the county follows from the location.
        let system = CoordinateSystem(rawValue: draft.location.coordsys ?? "wgs84")
        guard let system else {
            throw failing("location.coordsys", "unknown coordinate system \"\(draft.location.coordsys ?? "")\": expected one of \(CoordinateSystem.allowedNames)")
        }
        let point: Coordinate
        do {
            point = system.toWGS84(try Coordinate.validated(latitude: draft.location.lat, longitude: draft.location.lng))
        } catch {
            throw failing("location.\(error.field)", "\(error.value) is out of range: expected \(error.allowed)")
        }
        let county: County
        switch counties.locate(point) {
        case .inside(let c): county = c
        case .outside(let nearest, let distance):
            throw failing("location", "outside_service_area: the point is in no Zhejiang county (\(Int(distance.rounded())) m from \(nearest.adcode) \(nearest.name)): expected a location inside Zhejiang")
        case nil:
            throw failing("location", "no counties are loaded to place the station")
        }
        if let declared = draft.county_code, declared != county.adcode {
            throw failing("county_code", "\"\(declared)\" disagrees with the location, which lies in \(county.adcode) \(county.name): omit county_code or give \(county.adcode)")
        }

        // Everything else through the register's own validation, names mapped to this body's.
        let feature = StationFeature(
            type: "Feature", id: id ?? "\(county.adcode)-0000",
            geometry: .init(type: "Point", coordinates: [point.longitude, point.latitude]),
            properties: .init(name: draft.name, county_code: county.adcode,
                              address: StationAddress(city: county.cityName, county: county.name, town: draft.address.town, village: draft.address.village),
                              phone: draft.phone, hours: draft.hours, modes: draft.modes, capacity: draft.capacity, status: "active", staff: draft.staff))
        let station: Station
        do {
            station = try feature.validated(counties: counties)
        } catch {
            throw failing(error.parameters.map {
                InvalidParameter(name: $0.name.hasPrefix("properties.") ? String($0.name.dropFirst(11)) : $0.name == "geometry.coordinates" ? "location" : $0.name,
                                 reason: $0.reason)
            })
        }
        guard early.isEmpty else { throw InvalidInput(early) }
        return Validated(station: station, allowNearby: draft.allow_nearby ?? false, allowDuplicate: draft.allow_duplicate ?? false)
    }

    /// The station as a draft object, the base a merge patch applies to (location in WGS-84).
    public static func object(of station: Station) -> [String: Any] {
        [
            "name": station.name,
            "location": ["lat": station.location.latitude, "lng": station.location.longitude, "coordsys": "wgs84"],
            "address": ["town": station.address.town, "village": station.address.village],
            "phone": station.phone,
            "hours": Dictionary(uniqueKeysWithValues: station.hours.days.map { ($0.name, $0.intervals as Any) }),
            "modes": station.modes.map(\.rawValue),
            "capacity": station.capacity,
            "staff": station.staff.map { ["id": $0.id, "name": $0.name, "role": $0.role, "mobile": $0.mobile] },
        ]
    }

    /// The staff entries with ids resolved: an entry with an `id` must name one of `known` (once),
    /// and keeps that member's stored mobile when it sends exactly the masked form reads show;
    /// an entry without one is a new member, numbered above every id the station ever gave.
    static func resolveStaff(_ entries: [[String: Any]], known: [StaffMember], issued: Int) -> (entries: [[String: Any]], problems: [InvalidParameter]) {
        var problems: [InvalidParameter] = []
        var seen: Set<String> = []
        var next = max(issued, known.compactMap { StaffMember.number(of: $0.id) }.max() ?? 0)
        let resolved = entries.enumerated().map { i, entry -> [String: Any] in
            var entry = entry
            let mobile = entry["mobile"] as? String
            guard let given = entry["id"] else {
                next += 1
                entry["id"] = "s\(next)"
                if let mobile, mobile.contains("*") {
                    problems.append(InvalidParameter(name: "staff[\(i)].mobile", reason: "\"\(mobile)\" is masked: a new member needs the full number (\(MobileNumber.allowed)); an entry with the member's id may keep the masked number reads show"))
                }
                return entry
            }
            guard let id = given as? String, let member = known.first(where: { $0.id == id }) else {
                let ids = known.map(\.id).joined(separator: ", ")
                let shown = (given as? String).map { "\"\($0)\"" } ?? "\(given)"
                problems.append(InvalidParameter(name: "staff[\(i)].id", reason: "\(shown) names no staff member of this station: expected \(ids.isEmpty ? "no id (the station has no staff yet)" : "one of \(ids)"), or no id for a new member"))
                return entry
            }
            if !seen.insert(id).inserted {
                problems.append(InvalidParameter(name: "staff[\(i)].id", reason: "\"\(id)\" is listed twice: expected each member once"))
            }
            let masked = MobileNumber.masked(member.mobile)
            if mobile == masked {
                entry["mobile"] = member.mobile
            } else if let mobile, mobile.contains("*") {
                problems.append(InvalidParameter(name: "staff[\(i)].mobile", reason: "\"\(mobile)\" is masked but not as reads show member \(id)'s number (\(masked)): send that, or the full number"))
            }
            return entry
        }
        return (resolved, problems)
    }

    /// RFC 7396 JSON merge patch: objects merge key by key, `null` removes, anything else replaces.
    public static func merge(_ patch: Any, into target: Any?) -> Any? {
        guard let patch = patch as? [String: Any] else { return patch is NSNull ? nil : patch }
        var result = target as? [String: Any] ?? [:]
        for (key, value) in patch {
            if value is NSNull { result[key] = nil } else { result[key] = merge(value, into: result[key]) }
        }
        return result
    }

    /// The fields a merge patch names that no station has, `null` ones included: merged, a
    /// `null` would drop them unseen and the patch would answer 200 for a field that is not there.
    public static func unknownPatchFields(_ patch: [String: Any]) -> [InvalidParameter] {
        var problems = unknownFields(patch, allowed: fields, prefix: "")
        if let location = patch["location"] as? [String: Any] { problems += unknownFields(location, allowed: locationFields, prefix: "location.") }
        if let address = patch["address"] as? [String: Any] { problems += unknownFields(address, allowed: addressFields, prefix: "address.") }
        if let hours = patch["hours"] as? [String: Any] { problems += unknownFields(hours, allowed: days, prefix: "hours.") }
        return problems
    }

    static func unknownFields(_ object: [String: Any], allowed: Set<String>, prefix: String) -> [InvalidParameter] {
        object.keys.filter { !allowed.contains($0) }.sorted().map {
            InvalidParameter(name: prefix + $0, reason: "unknown field: expected only \(allowed.sorted().joined(separator: ", "))")
        }
    }

    private struct Body: Decodable {
        struct Location: Decodable { let lat: Double; let lng: Double; let coordsys: String? }
        struct Address: Decodable { let town: String; let village: String }
        let name: String
        let location: Location
        let address: Address
        let phone: String
        let hours: WeeklyHours
        let modes: [String]
        let capacity: Int
        let staff: [StaffMember]
        let county_code: String?
        let allow_nearby: Bool?
        let allow_duplicate: Bool?
    }
}
