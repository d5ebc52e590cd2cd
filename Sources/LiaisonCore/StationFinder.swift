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

    /// Swaps `snapshot` in unless the current one is at least as new (by register version),
    /// so two refreshes racing (a write of this process, the poll that saw another process's
    /// write) never put an older register back. Returns whether it was swapped in.
    @discardableResult
    public func offer(_ snapshot: StationSnapshot) -> Bool {
        current.withLock { held in
            guard snapshot.version > held.version else { return false }
            held = snapshot
            return true
        }
    }
}
