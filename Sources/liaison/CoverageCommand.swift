import ArgumentParser
import Foundation
import LiaisonCore

extension Liaison {
    struct CoverageCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "coverage",
            abstract: "Where no station is within reach: each county's share of area farther than --max-km from any active station.",
            discussion: """
                Each county's polygon is sampled on a grid (--spacing-m, default 500 m); every sample's \
                nearest active station (of any county) is found exactly by WGS-84 geodesic. Per county: \
                the stations, the sampled area, the uncovered area and share, and the farthest point \
                with its distance (refined on a grid ten times finer). The share can be off only \
                through cells the boundary or the reach's circle cuts (BOUNDARY column: the share of \
                area within half a cell diagonal of the reach).
                Example: liaison coverage --city 330100 --max-km 5 --out holes.geojson
                """)

        @Option(help: "Only this county (6-digit adcode).") var county: String?
        @Option(help: "Only this city's counties (6-digit adcode, e.g. 330100).") var city: String?
        @Option(name: .customLong("max-km"), parsing: .unconditional, help: "The reach in kilometres, greater than 0 and at most 100.") var maxKm: Double?
        @Option(help: "Only stations offering this mediation mode: offline or video.") var mode: String?
        @Option(name: .customLong("spacing-m"), parsing: .unconditional, help: "The grid's spacing in metres, 100 to 10000.") var spacingM: Double = Coverage.defaultSpacingMeters
        @Option(help: ArgumentHelp("Also write the uncovered cells as GeoJSON polygons (WGS-84) to this file.", valueName: "file.geojson")) var out: String?
        @Option(help: "table or json.") var format = OutputFormat.table
        @OptionGroup var store: StoreOptions

        func validate() throws {
            do {
                _ = try Coverage.validated(maxKilometers: maxKm, spacingMeters: spacingM)
            } catch {
                throw ValidationError(flagMessage(error))
            }
            if county != nil && city != nil { throw ValidationError("--county/--city: give one, not both") }
            if let county, !Adcode.isCounty(county) {
                throw ValidationError("--county: \"\(county)\" is not a county adcode: expected 6 digits like 330106")
            }
            if let city, city.wholeMatch(of: /\d{6}/) == nil {
                throw ValidationError("--city: \"\(city)\" is not an adcode: expected 6 digits like 330100")
            }
            if let mode, MediationMode(rawValue: mode) == nil {
                throw ValidationError("--mode: unknown mode \"\(mode)\": expected one of \(MediationMode.allowedNames)")
            }
        }

        func run() throws {
            let snapshot = try store.snapshot()
            let all = snapshot.counties.counties
            let chosen: [County]
            if let county {
                guard let c = snapshot.counties.county(code: county) else { throw lateUsageError("--county: " + snapshot.counties.unknown(county)) }
                chosen = [c]
            } else if let city {
                chosen = all.filter { $0.cityCode == city }
                if chosen.isEmpty { throw lateUsageError("--city: no county of the register belongs to city \(city): expected a city adcode like 330100") }
            } else {
                chosen = all
            }
            let progress = BatchProgress(command: "liaison coverage")
            var done = 0
            let geojson = try out.map { try CoverageGeoJSON(path: $0) }
            let report = try Coverage.report(snapshot, counties: chosen, maxKilometers: maxKm!, mode: mode.flatMap(MediationMode.init(rawValue:)),
                                             spacingMeters: spacingM, keepCells: geojson != nil) { _, cells in
                try geojson?.write(cells)
                done += 1
                progress.counting(done, of: chosen.count, "counties")
            }
            try geojson?.finish()
            progress.finish(rows: done)
            switch format {
            case .json: try printJSON(report)
            case .table: print(Self.table(report))
            }
        }

        /// Counties with the largest uncovered share first.
        static func table(_ r: Coverage.Report) -> String {
            let rows = r.counties.sorted { ($0.uncovered_share, $1.county_code) > ($1.uncovered_share, $0.county_code) }.map { c -> [String] in
                [c.county_code, c.city_name + c.county_name, "\(c.stations)", String(format: "%.1f", c.area_km2), String(format: "%.1f", c.uncovered_km2),
                 String(format: "%.2f%%", c.uncovered_share * 100), String(format: "%.2f%%", c.boundary_share * 100),
                 c.farthest.map { String(format: "%.5f, %.5f", $0.lat, $0.lng) } ?? "-",
                 c.farthest.map { String(format: "%.2f km", $0.distance_m / 1000) } ?? "-", c.farthest?.station_id ?? "-"]
            }
            let title = "Coverage within \(r.max_km) km" + (r.mode.map { " by \($0.rawValue) stations" } ?? "")
                + ", grid \(Int(r.spacing_m)) m, register version \(r.register_version)"
            return title + "\n" + Table.render(["COUNTY", "NAME", "STATIONS", "AREA KM2", "UNCOVERED KM2", "SHARE", "BOUNDARY", "FARTHEST POINT", "DISTANCE", "NEAREST"],
                                               rows, rightAligned: [2, 3, 4, 5, 6, 8])
        }
    }
}

/// The uncovered cells as a GeoJSON FeatureCollection, written as they come (bounded memory),
/// to a temporary file renamed into place at the end.
final class CoverageGeoJSON {
    let path: String
    let temporary: String
    let handle: FileHandle
    var first = true
    var finished = false

    init(path: String) throws {
        self.path = path
        temporary = path + ".partial"
        guard FileManager.default.createFile(atPath: temporary, contents: nil) else {
            throw lateUsageError("--out: cannot create \(path)")
        }
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
        try handle.write(contentsOf: Data("{\"type\":\"FeatureCollection\",\"features\":[\n".utf8))
    }

    func write(_ cells: [Coverage.Cell]) throws {
        var text = ""
        for cell in cells {
            let ring = cell.ring.map { "[\($0[0]),\($0[1])]" }.joined(separator: ",")
            text += (first ? "" : ",\n") + "{\"type\":\"Feature\",\"properties\":{\"county_code\":\"\(cell.countyCode)\",\"distance_m\":\(rounded(cell.distanceMeters, 2))},"
                + "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[\(ring)]]}}"
            first = false
        }
        try handle.write(contentsOf: Data(text.utf8))
    }

    func finish() throws {
        try handle.write(contentsOf: Data("\n]}\n".utf8))
        try handle.synchronize()
        try handle.close()
        if rename(temporary, path) != 0 { throw lateUsageError("--out: cannot write \(path): \(String(cString: strerror(errno)))") }
        finished = true
    }

    deinit { if !finished { unlink(temporary) } }
}
