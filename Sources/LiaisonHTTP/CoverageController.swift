import Foundation
import Hummingbird
import LiaisonCore
import LiaisonStore
import Synchronization

/// Where in a county no station is within reach, for staff:
/// `GET /v1/coverage?county=&max_km=[&mode=]` (see ``Coverage``), on the default 500 m grid, so
/// one request samples at most about 18,000 points (淳安县, 4,400 km²); finer grids are the
/// CLI's. A county token asks of its own county (the default); an admin names one. Answers are
/// kept per register version, so a repeated question costs a dictionary lookup until the
/// register changes.
struct CoverageController {
    let finder: StationFinder
    let cache: CoverageCache

    init(finder: StationFinder, cache: CoverageCache = CoverageCache()) {
        self.finder = finder
        self.cache = cache
    }

    var endpoints: [Endpoint] {
        [.get("/v1/coverage", access: .staff, coverage)]
    }

    @Sendable func coverage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let staff = try context.authenticated()
        let snapshot = finder.snapshot
        var q = QueryReader(request, allowed: ["county", "max_km", "mode"])
        var county = q.string("county")
        let maxKm = q.double("max_km", required: true, allowed: "kilometres greater than 0 and at most 100")
        let modeName = q.string("mode")
        let mode = modeName.flatMap(MediationMode.init(rawValue:))
        if let modeName, mode == nil {
            q.add(InvalidParameter(name: "mode", reason: "unknown mode \"\(modeName)\": expected one of \(MediationMode.allowedNames)"))
        }
        if let maxKm {
            do {
                _ = try Coverage.validated(maxKilometers: maxKm, spacingMeters: nil)
            } catch {
                error.parameters.forEach { q.add($0) }
            }
        }
        if let code = county, snapshot.counties.county(code: code) == nil {
            q.add(InvalidParameter(name: "county", reason: snapshot.counties.unknown(code)))
        }
        if county == nil, case .admin = staff.role {
            q.add(InvalidParameter(name: "county", reason: "is required for an admin token: expected a county adcode like 330106 (the whole province: liaison coverage)"))
        }
        try q.check()
        if case .county(let own) = staff.role {
            guard county == nil || county == own else {
                throw Problem(status: .forbidden, kind: "forbidden", title: "Forbidden",
                              detail: "token \(staff.name) (\(staff.role)) may not ask the coverage of county \(county ?? ""): only of \(own)")
            }
            county = own
        }
        guard let code = county, let target = snapshot.counties.county(code: code), let maxKm else {
            throw Problem.notFound("no county")
        }
        let key = CoverageCache.Key(version: snapshot.version, county: code, maxKm: maxKm, mode: mode, spacing: Coverage.defaultSpacingMeters)
        if let body = cache.body(key) { return JSONResponse.make(body, for: request) }
        let body = try await ReportGate.shared.run {
            Array(try JSONOutput.encode(Coverage.report(snapshot, counties: [target], maxKilometers: key.maxKm, mode: mode, spacingMeters: key.spacing)))
        }
        cache.keep(key, body)
        return JSONResponse.make(body, for: request)
    }
}

/// Coverage answers of the current register version: a new version empties it, and it holds
/// at most ``capacity`` answers (then the oldest go).
final class CoverageCache: Sendable {
    struct Key: Hashable, Sendable {
        let version: Int64
        let county: String
        let maxKm: Double
        let mode: MediationMode?
        let spacing: Double
    }

    static let capacity = 256
    private let state = Mutex<(version: Int64, order: [Key], bodies: [Key: [UInt8]])>((0, [], [:]))

    func body(_ key: Key) -> [UInt8]? {
        state.withLock { $0.version == key.version ? $0.bodies[key] : nil }
    }

    func keep(_ key: Key, _ body: [UInt8]) {
        state.withLock { s in
            if s.version != key.version {
                guard key.version > s.version else { return }
                s = (key.version, [], [:])
            }
            if s.bodies[key] == nil { s.order.append(key) }
            s.bodies[key] = body
            while s.order.count > Self.capacity { s.bodies[s.order.removeFirst()] = nil }
        }
    }

    var count: Int { state.withLock { $0.bodies.count } }
}
