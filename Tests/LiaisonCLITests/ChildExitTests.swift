import Foundation
import LiaisonTestSupport
import Testing

/// The test harness's own fallback for a child Foundation's monitor never reaps: it must see the
/// zombie and read the status `waitpid` gives, or a missed exit hangs the whole CI job.
@Suite struct ChildExitTests {
    /// Spawned with `posix_spawn`, so nothing but this test ever reaps it.
    private func spawn(_ script: String) throws -> pid_t {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = ["/bin/sh", "-c", script].map { (word: String) in strdup(word) } + [nil]
        defer { argv.forEach { free($0) } }
        let rc = posix_spawn(&pid, "/bin/sh", nil, nil, argv, environ)
        try #require(rc == 0, "posix_spawn failed: \(rc)")
        return pid
    }

    @Test func aZombieIsSeenAndItsStatusDecoded() async throws {
        let pid = try spawn("exit 3")
        var seen = false
        for _ in 0..<250 where !seen {
            seen = ChildExit.isZombie(pid)
            if !seen { try await Task.sleep(for: .milliseconds(20)) }
        }
        #expect(seen, "an exited, unreaped child is a zombie")
        var raw: Int32 = 0
        #expect(waitpid(pid, &raw, 0) == pid)
        #expect(ChildExit.decode(raw) == 3)
        #expect(!ChildExit.isZombie(pid), "a reaped child is gone")
    }

    @Test func aRunningChildIsNotAZombieAndASignalIsItsNumber() async throws {
        let pid = try spawn("sleep 30")
        #expect(!ChildExit.isZombie(pid))
        kill(pid, SIGKILL)
        var raw: Int32 = 0
        #expect(waitpid(pid, &raw, 0) == pid)
        #expect(ChildExit.decode(raw) == SIGKILL)
    }
}
