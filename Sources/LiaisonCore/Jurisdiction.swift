import Foundation

/// The one rule for what a staff token may see and do, asked by every list, detail, action,
/// history, notification and statistic: an admin token covers the province; a county token
/// covers its county, and a complaint belongs to the county of the station holding it (to the
/// county of its location while it waits for a station). The staff of a county a complaint's
/// location may also be in (near a border) see it too, to decide whether to claim it.
public enum Jurisdiction {
    /// The county a complaint belongs to (and is listed and counted in).
    public static func county(of complaint: Complaint) -> String {
        complaint.stationID.map(stationCounty) ?? complaint.countyCode
    }

    /// The county of a station, from its id (`ADCODE-NNNN`; validation ties the prefix to the county).
    public static func stationCounty(_ stationID: String) -> String {
        String(stationID.prefix { $0 != "-" })
    }

    /// Whether `role` may see and work `complaint`.
    public static func covers(_ role: StaffRole, _ complaint: Complaint) -> Bool {
        role.permits(countyCode: county(of: complaint))
    }

    /// Whether `role` may see `complaint` to decide on a claim: its county is one the location may be in.
    public static func mayClaim(_ role: StaffRole, _ complaint: Complaint) -> Bool {
        guard case .county(let code) = role else { return false }
        return complaint.borderCounties.contains { $0.county_code == code }
    }

    /// Whether `role` may hand a complaint it covers to a station in `targetCounty`: within its
    /// own county only, unless admin (another county's capacity and staff are that county's to use).
    public static func mayReassign(_ role: StaffRole, into targetCounty: String) -> Bool {
        role.permits(countyCode: targetCounty)
    }

    /// Whether `role` sees the full mobile numbers of a station's staff: admins, and the staff of the station's county.
    public static func seesStaffMobiles(_ role: StaffRole, stationCounty: String) -> Bool {
        role.permits(countyCode: stationCounty)
    }

    /// The county a list asked for by `role` is confined to (nil: the province), or why it may not.
    public static func listScope(_ role: StaffRole, asked: String?) -> Result<String?, Refused> {
        guard case .county(let own) = role else { return .success(asked) }
        guard asked == nil || asked == own else { return .failure(Refused(own: own, asked: asked ?? "")) }
        return .success(own)
    }

    public struct Refused: Error, Sendable {
        public let own: String
        public let asked: String
    }
}

extension StationFeature {
    /// The feature with its staff's mobile numbers masked (`138****8000`).
    public func maskingStaffMobiles() -> StationFeature {
        var masked = self
        masked.properties.staff = properties.staff.map { StaffMember(id: $0.id, name: $0.name, role: $0.role, mobile: MobileNumber.masked($0.mobile)) }
        return masked
    }
}
