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

    /// The system-wide install path, the last place looked in (README, "Running in production").
    public static let systemPath = "/usr/share/liaison/geodata"

    /// Finds `geodata/`: the given path (`--geodata`, `LIAISON_GEODATA`), else the first folder
    /// with a `stations.geojson` of ``candidates(executable:)``.
    public static func locate(_ explicit: String?) throws -> GeodataDirectory {
        func usable(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.appendingPathComponent(stationsFile).path) }
        if let explicit {
            let url = URL(fileURLWithPath: explicit)
            guard usable(url) else { throw StoreError(message: "no \(stationsFile) in geodata directory \(explicit)") }
            return GeodataDirectory(url: url)
        }
        let candidates = candidates(executable: executableURL)
        guard let found = candidates.first(where: usable) else {
            let places = candidates.map { $0.relativePath == "geodata" ? "./geodata" : $0.path }
            throw StoreError(message: "cannot find geodata/ (looked for \(stationsFile) in \(places.joined(separator: ", "))): "
                + "pass --geodata DIR or set LIAISON_GEODATA")
        }
        return GeodataDirectory(url: found)
    }

    /// Where `geodata/` is looked for, in order: `./geodata`; a `geodata/` beside the executable's
    /// folder or any folder above it (so `.build/debug/liaison` finds the repo's copy); then the
    /// install paths: `../share/liaison/geodata` from the executable's folder, and ``systemPath``.
    public static func candidates(executable: URL) -> [URL] {
        var candidates = [URL(fileURLWithPath: "geodata")]
        let bin = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        var folder = bin
        while folder.path != "/" {
            candidates.append(folder.appendingPathComponent("geodata"))
            folder.deleteLastPathComponent()
        }
        candidates.append(bin.deletingLastPathComponent().appendingPathComponent("share/liaison/geodata"))
        candidates.append(URL(fileURLWithPath: systemPath))
        return candidates
    }

    /// The running executable, symlinks resolved: the kernel's answer on Linux (a `liaison` run
    /// from `PATH` has no folder in its `argv[0]`), else `argv[0]`.
    static var executableURL: URL {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        return URL(fileURLWithPath: CommandLine.arguments.first ?? ".").resolvingSymlinksInPath()
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
