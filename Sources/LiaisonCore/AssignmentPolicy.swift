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

/// The rule's decision with its explanation (see ``AssignmentPolicy/decide(point:county:preferred:in:excluding:preferredStationID:openComplaints:explain:)``).
public struct AssignmentDecision: Sendable, Hashable {
    /// Nil when no station offering any acceptable mode has free capacity.
    public let assignment: Assignment?
    /// Stations nearer than the chosen one and why each was not taken, nearest first (empty
    /// unless asked to explain).
    public let passedOver: [PassedOver]
    /// The consumer's chosen station and why it could not take the complaint; nil when none
    /// was chosen or the choice was honoured.
    public let preferredRefused: PassedOver?
}

/// A station the rule did not take, and why.
public struct PassedOver: Sendable, Hashable {
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        /// The own-county rule: the complaint's county had a free station within reach.
        case otherCounty = "other_county"
        case modeNotOffered = "mode_not_offered"
        case atCapacity = "at_capacity"
        /// Retired: takes no complaints.
        case retired
        /// It refused this complaint before.
        case refused
        /// Farther than the policy's reach (only for a consumer's chosen station).
        case outOfReach = "out_of_reach"
    }

    public let station: Station
    /// WGS-84 geodesic from the complaint's location, metres.
    public let distanceMeters: Double
    public let reason: Reason
    /// The reason in words, naming the station.
    public let detail: String
}

/// A station id the register does not hold.
public struct UnknownStation: Error, Sendable, Hashable {
    public let id: String
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
    ///   - movingFrom: the station the complaint is being moved away from (a reassignment, a
    ///     retirement): passed over like an excluded one, and named as such in the reason, not
    ///     as one that refused it.
    /// - Returns: nil when no station offering any acceptable mode has free capacity.
    public func assign(point: Coordinate, county: County, preferred: MediationMode, in snapshot: StationSnapshot,
                       excluding excluded: Set<String> = [], movingFrom: String? = nil, openComplaints: (Station) throws -> Int) throws -> Assignment? {
        try choose(point: point, county: county, preferred: preferred, in: snapshot, excluding: excluded, movingFrom: movingFrom,
                   openComplaints: openComplaints)
    }

    /// The rule's whole decision: what ``assign(point:county:preferred:in:excluding:openComplaints:)``
    /// answers, the consumer's chosen station honoured when eligible, and with `explain` the
    /// stations ranked before the chosen one and why each was passed over. Intake and the
    /// assignment preview both call this, so a preview cannot drift from what intake does.
    ///
    /// ```swift
    /// let d = try policy.decide(point: p, county: xihu, preferred: .video, in: snapshot,
    ///                           openComplaints: counter, explain: true)
    /// d.assignment?.station.id   // "330106-0004"
    /// d.passedOver.first?.reason // .otherCounty
    /// ```
    /// - Parameters:
    ///   - preferredStationID: the station the consumer chose: it gets the complaint when
    ///     ``refusal(of:distanceMeters:mode:excluding:openComplaints:checkReach:)`` finds nothing against it
    ///     (active, offers the mode, free capacity, within ``reachMeters``; the own-county rule does
    ///     not apply to a choice); otherwise ``AssignmentDecision/preferredRefused`` says why and
    ///     `assignment` is the rule's own choice.
    ///   - explain: whether to list ``AssignmentDecision/passedOver`` (reads the open counts of up
    ///     to ``maxPassedOver`` more stations).
    public func decide(point: Coordinate, county: County, preferred: MediationMode, in snapshot: StationSnapshot,
                       excluding excluded: Set<String> = [], preferredStationID: String? = nil,
                       openComplaints: (Station) throws -> Int, explain: Bool = false) throws -> AssignmentDecision {
        var preferredRefused: PassedOver?
        if let id = preferredStationID {
            guard let station = snapshot.station(id: id) else { throw UnknownStation(id: id) }
            let distance = Geodesic.wgs84.distanceMeters(from: point, to: station.location)
            if let why = try refusal(of: station, distanceMeters: distance, mode: preferred, excluding: excluded, openComplaints: openComplaints) {
                preferredRefused = PassedOver(station: station, distanceMeters: distance, reason: why.reason, detail: why.detail)
            } else {
                let reason = "the consumer's chosen station: offers \(preferred.rawValue) mediation with free capacity, "
                    + "\(Self.kilometres(distance)) (within \(Self.kilometres(reachMeters, decimals: 0)))"
                return AssignmentDecision(assignment: Assignment(station: station, distanceMeters: distance, mode: preferred, reason: reason),
                                          passedOver: [], preferredRefused: nil)
            }
        }
        let assignment = try choose(point: point, county: county, preferred: preferred, in: snapshot, excluding: excluded, openComplaints: openComplaints)
        let passedOver = explain ? try explainPassedOver(point: point, county: county, preferred: preferred, chosen: assignment, in: snapshot,
                                                         excluding: excluded, openComplaints: openComplaints) : []
        return AssignmentDecision(assignment: assignment, passedOver: passedOver, preferredRefused: preferredRefused)
    }

    /// Why `station` cannot take a complaint in `mode` at `distanceMeters`, or nil when it can:
    /// the one eligibility test, which the rule applies to every candidate it walks (the index
    /// has already kept only active stations offering the mode) and to a consumer's choice.
    public func refusal(of station: Station, distanceMeters: Double, mode: MediationMode, excluding excluded: Set<String>,
                        openComplaints: (Station) throws -> Int, checkReach: Bool = true) throws -> (reason: PassedOver.Reason, detail: String)? {
        if station.status != .active { return (.retired, "\(station.id) is \(station.status.rawValue) and takes no complaints") }
        if !station.modes.contains(mode) {
            return (.modeNotOffered, "\(station.id) does not offer \(mode.rawValue) mediation (only \(station.modes.map(\.rawValue).joined(separator: ", ")))")
        }
        if excluded.contains(station.id) { return (.refused, "\(station.id) refused this complaint") }
        let open = try openComplaints(station)
        if open >= station.capacity { return (.atCapacity, "\(station.id) is at capacity (\(open) open complaints of \(station.capacity))") }
        if checkReach, distanceMeters > reachMeters {
            return (.outOfReach, "\(station.id) is \(Self.kilometres(distanceMeters)) away, beyond the reach of \(Self.kilometres(reachMeters, decimals: 0))")
        }
        return nil
    }

    /// The rule itself (steps 1 to 4 above).
    private func choose(point: Coordinate, county: County, preferred: MediationMode, in snapshot: StationSnapshot,
                        excluding refused: Set<String>, movingFrom: String? = nil, openComplaints: (Station) throws -> Int) throws -> Assignment? {
        let excluded = refused.union(movingFrom.map { [$0] } ?? [])
        let modes: [MediationMode] = preferred == .video ? [.video, .offline] : [preferred]
        for mode in modes {
            // The index holds only active stations offering `mode`, within reach where asked; the
            // rest of the eligibility test is the same as for a consumer's choice.
            func free(_ s: NearestStation) throws -> Bool {
                try refusal(of: s.station, distanceMeters: s.distanceMeters, mode: mode, excluding: excluded,
                            openComplaints: openComplaints, checkReach: false) == nil
            }
            let offering = "station offering \(mode.rawValue) mediation"
            var reason: String
            var found: NearestStation?
            if let local = try snapshot.ranked(from: point, mode: mode, countyCode: county.adcode, withinMeters: reachMeters).first(where: { try free($0) }) {
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
            if let movingFrom {
                reason += " (moving it from \(movingFrom))"
            }
            let refusers = refused.subtracting(movingFrom.map { [$0] } ?? [])
            if !refusers.isEmpty {
                reason += " (excluding \(refusers.sorted().joined(separator: ", ")), which refused it)"
            }
            guard let found else { continue }
            return Assignment(station: found.station, distanceMeters: found.distanceMeters, mode: mode, reason: reason)
        }
        return nil
    }

    /// At most this many stations are listed as passed over.
    public static let maxPassedOver = 10

    /// The stations nearer than the chosen one (all of the nearest when none was chosen), active
    /// or retired, nearest first, each with the reason the rule did not take it. Every station
    /// ranked before the chosen one failed the rule for one of these reasons: the eligibility
    /// test above, or (when the rule took a station of the own county) being in another county.
    private func explainPassedOver(point: Coordinate, county: County, preferred: MediationMode, chosen: Assignment?, in snapshot: StationSnapshot,
                                   excluding excluded: Set<String>, openComplaints: (Station) throws -> Int) throws -> [PassedOver] {
        let geodesic = Geodesic.wgs84
        let limit = Self.maxPassedOver + 1
        var nearby: [(station: Station, distanceMeters: Double)] = snapshot.ranked(from: point, mode: nil, limit: limit).map { ($0.station, $0.distanceMeters) }
        // Retired stations are not indexed; there are few, so they are measured one by one.
        nearby += snapshot.stations.filter { $0.status != .active }.map { ($0, geodesic.distanceMeters(from: point, to: $0.location)) }
        nearby.sort { ($0.distanceMeters, $0.station.id) < ($1.distanceMeters, $1.station.id) }
        let mode = chosen?.mode ?? preferred
        let ownCountyRule = chosen.map { $0.station.countyCode == county.adcode && $0.distanceMeters <= reachMeters } ?? false
        var passed: [PassedOver] = []
        for (station, distance) in nearby.prefix(limit) {
            if let chosen, station.id == chosen.station.id { break }
            if let chosen, (distance, station.id) > (chosen.distanceMeters, chosen.station.id) { break }
            // A video complaint that fell back to offline passed over video stations too: a
            // station offering video was refused for video first.
            var why = try refusal(of: station, distanceMeters: distance, mode: mode, excluding: excluded, openComplaints: openComplaints, checkReach: false)
            if mode != preferred, station.modes.contains(preferred), let first = try refusal(of: station, distanceMeters: distance, mode: preferred,
                                                                                             excluding: excluded, openComplaints: openComplaints, checkReach: false) {
                why = first
            }
            if why == nil, ownCountyRule, station.countyCode != county.adcode {
                let place = snapshot.counties.place(of: station).countyName
                why = (.otherCounty, "\(station.id) is in \(place), not \(county.name): the own county's nearest free station within "
                       + "\(Self.kilometres(reachMeters, decimals: 0)) comes first")
            }
            guard let why else { continue }
            passed.append(PassedOver(station: station, distanceMeters: distance, reason: why.reason, detail: why.detail))
            if passed.count == Self.maxPassedOver { break }
        }
        return passed
    }

    /// The nearest station passing `accept`, walking the whole ranking in growing prefixes
    /// (the ranking is a total order, so each prefix extends the previous one).
    private static func firstAnywhere(_ point: Coordinate, mode: MediationMode, in snapshot: StationSnapshot,
                                      where accept: (NearestStation) throws -> Bool) throws -> NearestStation? {
        var seen = 0
        var limit = 16
        while seen < snapshot.activeCount {
            let ranked = snapshot.ranked(from: point, mode: mode, limit: limit)
            for candidate in ranked.dropFirst(seen) where try accept(candidate) { return candidate }
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
