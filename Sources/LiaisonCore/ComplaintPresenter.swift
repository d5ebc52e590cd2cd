import Foundation

/// Renders a complaint as JSON for an audience, with what every rendering needs: the video
/// rooms' base address and the court register. The HTTP edge and the CLI render; the store
/// only keeps bytes it is handed (an idempotent intake's first answer).
public struct ComplaintPresenter: Sendable {
    public var videoBaseURL: String
    public var courts: CourtRegister
    /// Signs each party's video link (nil: bare room links, development only).
    public var videoSigner: VideoSigner?

    public init(videoBaseURL: String, courts: CourtRegister, videoSigner: VideoSigner? = nil) {
        self.videoBaseURL = videoBaseURL
        self.courts = courts
        self.videoSigner = videoSigner
    }

    public func json(_ complaint: Complaint, events: [ComplaintEvent], audience: ComplaintView.Audience, snapshot: StationSnapshot,
                     trackingToken: String? = nil, links: ComplaintLinks? = nil, sameMerchantOpen: [ConsumerComplaintRef]? = nil,
                     language: Language = .english) throws -> Data {
        try JSONOutput.encode(ComplaintView(complaint, events: events, snapshot: snapshot, audience: audience, videoBaseURL: videoBaseURL,
                                            trackingToken: trackingToken, links: links, sameMerchantOpen: sameMerchantOpen, courts: courts,
                                            videoSigner: videoSigner, language: language))
    }
}
