import Synchronization

/// Holds the current ``StationSnapshot`` and swaps in new ones atomically.
///
/// Readers take the snapshot reference under a lock held for one pointer copy, then query
/// it with no lock at all; a writer builds the next snapshot outside the lock and swaps it.
/// A query therefore sees either the old register or the new one, never a mix.
public final class StationFinder: Sendable {
    private let current: Mutex<StationSnapshot>

    public init(_ snapshot: StationSnapshot) {
        current = Mutex(snapshot)
    }

    /// The snapshot to answer from.
    public var snapshot: StationSnapshot { current.withLock { $0 } }

    /// Replaces the snapshot; queries already running finish on the old one.
    public func replace(with snapshot: StationSnapshot) {
        current.withLock { $0 = snapshot }
    }
}
