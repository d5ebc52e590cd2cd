import Foundation
import LiaisonCore

/// The folder of checked-in data a new database is made from (`geodata/` in the repo).
public struct GeodataDirectory: Sendable {
    public let url: URL

    public static let countiesFile = "zhejiang-counties.geojson"
    public static let stationsFile = "stations.geojson"
    public static let calendarFile = "working-calendar.json"
    public static let serviceLevelsFile = "service-levels.json"
    public static let courtsFile = "courts.json"
    public static let statutoryHolidaysFile = "statutory-holidays.json"

    public init(url: URL) {
        self.url = url
    }

    /// Finds `geodata/`: the given path, else `./geodata`, else a `geodata/` beside one of
    /// the executable's parent folders (so `.build/debug/liaison` finds the repo's copy).
    public static func locate(_ explicit: String?) throws -> GeodataDirectory {
        let fm = FileManager.default
        func usable(_ url: URL) -> Bool { fm.fileExists(atPath: url.appendingPathComponent(stationsFile).path) }
        if let explicit {
            let url = URL(fileURLWithPath: explicit)
            guard usable(url) else { throw StoreError(message: "no \(stationsFile) in geodata directory \(explicit)") }
            return GeodataDirectory(url: url)
        }
        var candidates = [URL(fileURLWithPath: "geodata")]
        var folder = URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath().deletingLastPathComponent()
        while folder.path != "/" {
            candidates.append(folder.appendingPathComponent("geodata"))
            folder.deleteLastPathComponent()
        }
        guard let found = candidates.first(where: usable) else {
            throw StoreError(message: "cannot find geodata/ (looked in ./geodata and beside the executable): pass --geodata DIR or set LIAISON_GEODATA")
        }
        return GeodataDirectory(url: found)
    }

    public func counties() throws -> [County] {
        switch try RegisterFile.parse(try Data(contentsOf: url.appendingPathComponent(Self.countiesFile)), counties: CountyLocator([])) {
        case .counties(let counties): return counties
        case .stations: throw StoreError(message: "\(Self.countiesFile) holds stations, not counties")
        }
    }

    public func stations(counties: CountyLocator) throws -> [Station] {
        switch try RegisterFile.parse(try Data(contentsOf: url.appendingPathComponent(Self.stationsFile)), counties: counties) {
        case .stations(let stations): return stations
        case .counties: throw StoreError(message: "\(Self.stationsFile) holds counties, not stations")
        }
    }

    /// The complaint deadlines: `service-levels.json`, and the working days of the official
    /// schedules in `working-calendar.json` with the law's statutory holidays of
    /// `statutory-holidays.json` for the years after them.
    public func serviceClock() throws -> ServiceClock {
        func read(_ name: String) throws -> Data {
            do { return try Data(contentsOf: url.appendingPathComponent(name)) } catch {
                throw StoreError(message: "cannot read \(url.appendingPathComponent(name).path): \(error.localizedDescription)")
            }
        }
        let calendar: WorkingCalendar
        do { calendar = try WorkingCalendar(json: try read(Self.calendarFile)) } catch let error as InvalidInput {
            throw StoreError(message: "\(Self.calendarFile): \(error)")
        }
        let law: StatutoryHolidays
        do { law = try StatutoryHolidays(json: try read(Self.statutoryHolidaysFile)) } catch let error as InvalidInput {
            throw StoreError(message: "\(Self.statutoryHolidaysFile): \(error)")
        }
        let rules: ServiceLevelRules
        do { rules = try ServiceLevelRules(json: try read(Self.serviceLevelsFile)) } catch let error as InvalidInput {
            throw StoreError(message: "\(Self.serviceLevelsFile): \(error)")
        }
        return ServiceClock(rules: rules, calendar: calendar.with(law: law))
    }

    /// The courts failed mediations are handed to (`courts.json`).
    public func courts() throws -> CourtRegister {
        let file = url.appendingPathComponent(Self.courtsFile)
        let data: Data
        do { data = try Data(contentsOf: file) } catch {
            throw StoreError(message: "cannot read \(file.path): \(error.localizedDescription)")
        }
        do { return try CourtRegister(json: data) } catch {
            throw StoreError(message: "\(Self.courtsFile): \(error)")
        }
    }
}
