import Foundation

/// Renders a complaint as JSON for an audience, with what every rendering needs: the video
/// rooms' base address and the court register. The HTTP edge and the CLI render; the store
/// only keeps bytes it is handed (an idempotent intake's first answer).
public struct ComplaintPresenter: Sendable {
    public var videoBaseURL: String
    public var courts: CourtRegister

    public init(videoBaseURL: String, courts: CourtRegister) {
        self.videoBaseURL = videoBaseURL
        self.courts = courts
    }

    public func json(_ complaint: Complaint, events: [ComplaintEvent], audience: ComplaintView.Audience, snapshot: StationSnapshot,
                     includeToken: Bool = false, links: ComplaintLinks? = nil, sameMerchantOpen: [ConsumerComplaintRef]? = nil) throws -> Data {
        try JSONOutput.encode(ComplaintView(complaint, events: events, snapshot: snapshot, audience: audience, videoBaseURL: videoBaseURL,
                                            includeToken: includeToken, links: links, sameMerchantOpen: sameMerchantOpen, courts: courts))
    }
}
