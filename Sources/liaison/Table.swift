import Foundation
import LiaisonCore

/// Plain-text tables for terminals; CJK characters count two columns wide.
enum Table {
    static func nearest(_ r: NearestResponse) -> String {
        let q = r.query
        var header = "Nearest stations to \(q.input.lat), \(q.input.lng) (\(q.input.coordsys?.rawValue ?? "wgs84"))"
        if q.input.coordsys != .wgs84 { header += " = WGS-84 \(q.wgs84.lat), \(q.wgs84.lng)" }
        guard !r.stations.isEmpty else { return header + "\nNo station matches." }
        let rows = r.stations.map { s in
            ["\(s.rank)", s.id, s.name, "\(s.city_name)\(s.county_name)", distance(s.distance_m), "\(Int(s.bearing_deg.rounded()))°",
             s.modes.map(\.rawValue).joined(separator: ","), s.phone]
        }
        return header + "\n" + render(["#", "ID", "NAME", "COUNTY", "DISTANCE", "BEARING", "MODES", "PHONE"], rows, rightAligned: [0, 4, 5])
    }

    static func region(_ r: RegionLookup) -> String {
        // Near a border the other counties it may be in are named, with their distances.
        let border = (r.border_counties ?? []).map { "\($0.county_code) \($0.county_name) \(distance($0.distance_m))" }
        let note = border.isEmpty ? "" : "\nnear the border: may be in " + border.joined(separator: ", ")
        if let region = r.region {
            return "\(region.county_code) \(region.county_name), \(region.city_code) \(region.city_name)" + note
        }
        guard let nearest = r.nearest else { return "outside Zhejiang" }
        return "outside Zhejiang; nearest county \(nearest.county_code) \(nearest.county_name), \(nearest.city_name), \(distance(nearest.distance_m ?? 0)) away" + note
    }

    static func detail(_ d: StationDetail) -> String {
        var lines = [
            "\(d.id)  \(d.name)  [\(d.status.rawValue)]",
            "county    \(d.county_code) \(d.county_name), \(d.city_code) \(d.city_name)",
            "address   \(d.address_line)",
            "location  \(d.location.lat), \(d.location.lng) (WGS-84)",
            "phone     \(d.phone)",
            "modes     \(d.modes.map(\.rawValue).joined(separator: ", "))",
            "capacity  \(d.capacity) open complaints",
            "hours",
        ]
        for (day, intervals) in d.hours.days {
            lines.append("  \(day)     \(intervals.isEmpty ? "closed" : intervals.joined(separator: ", "))")
        }
        lines.append("staff")
        lines += d.staff.map { "  \($0.id)  \($0.role)  \($0.name)  \($0.mobile_masked)" }
        return lines.joined(separator: "\n")
    }

    static func list(_ stations: [StationDetail]) -> String {
        let rows = stations.map {
            [$0.id, $0.name, "\($0.city_name)\($0.county_name)", $0.modes.map(\.rawValue).joined(separator: ","), "\($0.capacity)", $0.status.rawValue]
        }
        return render(["ID", "NAME", "COUNTY", "MODES", "CAPACITY", "STATUS"], rows, rightAligned: [4]) + "\n\(stations.count) stations"
    }

    /// `850 m` below a kilometre, `12.34 km` above.
    static func distance(_ meters: Double) -> String {
        meters < 1000 ? String(format: "%.0f m", meters) : String(format: "%.2f km", meters / 1000)
    }

    static func render(_ header: [String], _ rows: [[String]], rightAligned: Set<Int> = []) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { width($0[column]) }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - width(cell))
                return rightAligned.contains(column) ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingTrailingWhitespace()
        }.joined(separator: "\n")
    }

    /// Terminal columns: East Asian wide characters take two.
    static func width(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { sum, scalar in
            let v = scalar.value
            let wide = (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v) || (0xFF00...0xFF60).contains(v)
                || (0xFFE0...0xFFE6).contains(v) || (0x20000...0x3FFFD).contains(v)
            return sum + (wide ? 2 : 1)
        }
    }
}

extension String {
    /// Without the spaces a padded last column leaves (no regular expression: ICU's would cost
    /// a one-shot lookup a few milliseconds to set up).
    func trimmingTrailingWhitespace() -> String {
        String(self[..<(lastIndex { !$0.isWhitespace }.map(index(after:)) ?? startIndex)])
    }
}
