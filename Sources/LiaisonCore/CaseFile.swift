import Foundation

/// The case file of a complaint handed to a court's mediation (诉调对接): the complaint as staff
/// see it with the consumer's phone masked (as the API masks it for staff outside the holding
/// county), its timeline, the mediation sessions and the outcome, and the court.
/// `GET /v1/complaints/{number}/case-file` serves it as JSON or PDF.
public struct CaseFile: Sendable, Encodable {
    public let generated_at: String
    /// The staff token (or operator) that produced it.
    public let generated_by: String
    public let complaint: ComplaintView
    public let outcome: Outcome
    public let court: Court?
    public let handed_off_at: String?
    /// Whether the court register is synthetic (the shipped one is).
    public let court_register_synthetic: Bool

    public struct Outcome: Sendable, Encodable {
        /// resolved, failed, or nil while mediation runs.
        public let outcome: String?
        public let outcome_at: String?
        /// The note of the `fail` (or `resolve`) event: why.
        public let reason: String?
        public let satisfaction: Int?
    }

    // The sources of the PDF (not in the JSON).
    public let source: Complaint
    public let events: [ComplaintEvent]
    public let countyName: String
    public let station: Station?

    enum CodingKeys: String, CodingKey {
        case generated_at, generated_by, complaint, outcome, court, handed_off_at, court_register_synthetic
    }

    public init(_ complaint: Complaint, events: [ComplaintEvent], snapshot: StationSnapshot, courts: CourtRegister, videoBaseURL: String,
                by: String, at: Date) {
        generated_at = Timestamp.string(at)
        generated_by = by
        self.complaint = ComplaintView(complaint, events: events, snapshot: snapshot, audience: .staff(seesPhone: false),
                                       videoBaseURL: videoBaseURL, courts: courts)
        let ending = events.last { $0.action == .fail || $0.action == .resolve }
        outcome = Outcome(outcome: complaint.milestones.outcome?.rawValue, outcome_at: complaint.milestones.outcomeAt.map(Timestamp.string),
                          reason: ending?.note, satisfaction: complaint.feedback?.satisfaction)
        court = complaint.courtHandoff.flatMap { courts.court(id: $0.courtID) } ?? courts.court(forCounty: complaint.countyCode)
        handed_off_at = complaint.courtHandoff.map { Timestamp.string($0.at) }
        court_register_synthetic = courts.synthetic
        source = complaint
        self.events = events
        countyName = snapshot.counties.county(code: complaint.countyCode)?.name ?? complaint.countyCode
        station = complaint.stationID.flatMap { snapshot.station(id: $0) }
    }
}
