import Foundation
import Geodesy

/// Which station gets a complaint, and why, in words.
public struct Assignment: Sendable, Hashable {
    public let station: Station
    /// WGS-84 geodesic from the complaint's location, metres.
    public let distanceMeters: Double
    /// The mode the complaint will be mediated in (differs from the preferred one after a fallback).
    public let mode: MediationMode
    public let reason: String
}

/// The dispatch rule, deterministic and explainable:
///
/// 1. Candidates are active stations that offer the chosen mode and have free capacity
///    (fewer open complaints than their capacity), minus any station excluded (one that
///    refused this complaint).
/// 2. The nearest candidate in the complaint's own county, if it is within ``reachMeters``.
/// 3. Otherwise the nearest candidate anywhere.
/// 4. If video was chosen and no video candidate exists anywhere, the same again for offline,
///    and the reason says so.
///
/// Distances are exact WGS-84 geodesics; ties go to the lower station id.
public struct AssignmentPolicy: Sendable {
    /// How far the own county's nearest candidate may be before stations elsewhere are considered.
    public var reachMeters: Double

    public static let defaultReachMeters = 30_000.0

    public init(reachMeters: Double = AssignmentPolicy.defaultReachMeters) {
        self.reachMeters = reachMeters
    }

    /// Picks the station for a complaint at `point` (WGS-84) in `county`.
    ///
    /// - Parameters:
    ///   - openComplaints: the number of open complaints a station holds now (the store
    ///     answers this inside the transaction that takes the capacity).
    /// - Returns: nil when no station offering any acceptable mode has free capacity.
    public func assign(point: Coordinate, county: County, preferred: MediationMode, in snapshot: StationSnapshot,
                       excluding excluded: Set<String> = [], openComplaints: (Station) throws -> Int) throws -> Assignment? {
        let modes: [MediationMode] = preferred == .video ? [.video, .offline] : [preferred]
        for mode in modes {
            func free(_ s: Station) throws -> Bool {
                guard !excluded.contains(s.id) else { return false }
                return try openComplaints(s) < s.capacity
            }
            let offering = "station offering \(mode.rawValue) mediation"
            var reason: String
            var found: NearestStation?
            if let local = try snapshot.ranked(from: point, mode: mode, countyCode: county.adcode, withinMeters: reachMeters).first(where: { try free($0.station) }) {
                found = local
                reason = "nearest \(offering) in \(county.name) with free capacity, \(Self.kilometres(local.distanceMeters))"
            } else if let anywhere = try Self.firstAnywhere(point, mode: mode, in: snapshot, where: { try free($0) }) {
                found = anywhere
                let place = snapshot.counties.place(of: anywhere.station).countyName
                reason = "no \(offering) with free capacity in \(county.name) within \(Self.kilometres(reachMeters, decimals: 0)); "
                    + "nearest one anywhere: \(place), \(Self.kilometres(anywhere.distanceMeters))"
            } else {
                continue
            }
            if mode != preferred {
                reason = "no station offering \(preferred.rawValue) mediation has free capacity, so offline mediation instead: " + reason
            }
            if !excluded.isEmpty {
                reason += " (excluding \(excluded.sorted().joined(separator: ", ")), which refused it)"
            }
            guard let found else { continue }
            return Assignment(station: found.station, distanceMeters: found.distanceMeters, mode: mode, reason: reason)
        }
        return nil
    }

    /// The nearest station passing `accept`, walking the whole ranking in growing prefixes
    /// (the ranking is a total order, so each prefix extends the previous one).
    private static func firstAnywhere(_ point: Coordinate, mode: MediationMode, in snapshot: StationSnapshot,
                                      where accept: (Station) throws -> Bool) throws -> NearestStation? {
        var seen = 0
        var limit = 16
        while seen < snapshot.activeCount {
            let ranked = snapshot.ranked(from: point, mode: mode, limit: limit)
            for candidate in ranked.dropFirst(seen) where try accept(candidate.station) { return candidate }
            if ranked.count < limit { return nil }
            seen = ranked.count
            limit *= 4
        }
        return nil
    }

    static func kilometres(_ meters: Double, decimals: Int = 2) -> String {
        String(format: "%.\(decimals)f km", meters / 1000)
    }
}

extension StationSnapshot {
    /// Active stations offering `mode` by distance from `point` (WGS-84), ties by id: the
    /// building block of assignment. `limit` nil means every one.
    public func ranked(from point: Coordinate, mode: MediationMode?, countyCode: String? = nil,
                       withinMeters radius: Double = .infinity, limit: Int? = nil) -> [NearestStation] {
        let limit = min(limit ?? activeCount, activeCount)
        guard limit > 0 else { return [] }
        return nearest(to: point, limit: limit, withinMeters: radius, mode: mode, countyCode: countyCode)
    }
}
