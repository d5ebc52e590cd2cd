import Foundation
import LiaisonCore
import StationIndex
import Testing
import LiaisonTestSupport

/// Civil dates, timestamps and complaint numbers, checked against Foundation's calendar.
@Suite struct ComplaintTimeTests {
    static let shanghai: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        return calendar
    }()

    /// Foundation's date of local noon on day `dayNumber` (noon, so that Shanghai's historical
    /// offsets, +08:05:43 before 1901 and summer time 1986-1991, cannot move the date).
    static func foundationDate(dayNumber: Int) -> (year: Int, month: Int, day: Int) {
        let noon = Date(timeIntervalSince1970: Double(dayNumber * 86400 + 4 * 3600))
        let c = shanghai.dateComponents([.year, .month, .day], from: noon)
        return (c.year!, c.month!, c.day!)
    }

    @Test func civilDatesMatchFoundationDayByDayFrom1900To2100() {
        // 1900-01-01 is day -25567, 2100-12-31 is day 47846.
        var mismatches: [String] = []
        for day in -25_567...47_846 {
            let got = ShanghaiTime.civil(dayNumber: day), want = Self.foundationDate(dayNumber: day)
            if got != want { mismatches.append("day \(day): \(got) != \(want)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches: \(mismatches.prefix(5))")
    }

    /// Across four centuries (after the Gregorian reform that Foundation's calendar follows).
    @Test func civilDatesMatchFoundationFrom1600To2400() {
        var mismatches: [String] = []
        for day in stride(from: -135_140, through: 157_000, by: 13) {
            let got = ShanghaiTime.civil(dayNumber: day), want = Self.foundationDate(dayNumber: day)
            if got != want { mismatches.append("day \(day): \(got) != \(want)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) mismatches: \(mismatches.prefix(5))")
    }

    @Test(arguments: [
        (0, "1970-01-01"), (-1, "1969-12-31"), (59, "1970-03-01"), (11_016, "2000-02-29"), (11_017, "2000-03-01"),
        (19_782, "2024-02-29"), (20_421, "2025-11-29"), (47_540, "2100-02-28"), (47_541, "2100-03-01"), (-25_508, "1900-03-01"),
    ])
    func knownCivilDates(day: Int, date: String) {
        let c = ShanghaiTime.civil(dayNumber: day)
        #expect(String(format: "%04d-%02d-%02d", c.year, c.month, c.day) == date)
    }

    @Test func wallClockMatchesFoundationSince1992() {
        var rng = SplitMix64(seed: 8)
        for _ in 0..<5_000 {
            // 1992-01-01 (after China's last summer time) to 2100.
            let instant = Date(timeIntervalSince1970: Double.random(in: 694_224_000...4_102_444_800, using: &rng))
            let local = ShanghaiTime(instant)
            let c = Self.shanghai.dateComponents([.year, .month, .day, .hour, .minute, .weekday], from: instant)
            #expect(local.year == c.year && local.month == c.month && local.day == c.day, "\(instant)")
            #expect(local.minuteOfDay == c.hour! * 60 + c.minute!, "\(instant)")
            #expect(local.weekday == (c.weekday! + 5) % 7, "\(instant): Foundation weekday \(c.weekday!)")
            let midnight = Self.shanghai.startOfDay(for: instant)
            #expect(ShanghaiTime.instant(dayNumber: local.dayNumber, minuteOfDay: local.minuteOfDay)
                == midnight.addingTimeInterval(Double(local.minuteOfDay * 60)), "\(instant)")
        }
    }

    @Test func localMidnightStartsTheShanghaiDay() {
        // 2026-11-28T16:00:00Z is Sunday 29 November 2026, 00:00 in Shanghai.
        let midnight = Date(timeIntervalSince1970: 1_795_881_600)
        let t = ShanghaiTime(midnight)
        #expect((t.year, t.month, t.day, t.minuteOfDay, t.weekday) == (2026, 11, 29, 0, 6))
        let before = ShanghaiTime(midnight.addingTimeInterval(-0.001))
        #expect((before.year, before.month, before.day, before.minuteOfDay, before.weekday) == (2026, 11, 28, 1439, 5))
        #expect(ComplaintNumber.day(of: midnight) == "20261129")
        #expect(ComplaintNumber.day(of: midnight.addingTimeInterval(-1)) == "20261128")
        #expect(ShanghaiTime.instant(dayNumber: t.dayNumber, minuteOfDay: 0) == midnight)
    }

    // MARK: - Timestamps

    @Test(arguments: [
        (0.0, "1970-01-01T00:00:00.000Z"),
        (1_795_937_927.123, "2026-11-29T07:38:47.123Z"),
        (1_709_251_199.999, "2024-02-29T23:59:59.999Z"),
        (1_709_251_200, "2024-03-01T00:00:00.000Z"),
        (4_107_542_400, "2100-03-01T00:00:00.000Z"),
        (951_782_400.5, "2000-02-29T00:00:00.500Z"),
        (1_796_176_800.0004, "2026-12-02T02:00:00.000Z"),
    ])
    func timestampFormat(seconds: Double, text: String) {
        #expect(Timestamp.string(Date(timeIntervalSince1970: seconds)) == text)
    }

    /// The milliseconds as Foundation prints them, and format, parse, format again is stable.
    static func roundTripFailures(_ milliseconds: [Int64]) throws -> [String] {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        iso.timeZone = TimeZone(identifier: "UTC")
        var failures: [String] = []
        for ms in milliseconds {
            let date = Date(timeIntervalSince1970: Double(ms) / 1000)
            let text = Timestamp.string(date)
            if text != iso.string(from: date) { failures.append("\(ms) ms: \(text), Foundation \(iso.string(from: date))") }
            let parsed = try #require(Timestamp.parse(text), "\(text)")
            if Timestamp.string(parsed) != text { failures.append("\(ms) ms: \(text) parsed back as \(Timestamp.string(parsed))") }
        }
        return failures
    }

    /// Whole milliseconds from 2020 to 2035, when complaints are filed.
    @Test func timestampsRoundTripThroughParse() throws {
        var rng = SplitMix64(seed: 1129)
        let milliseconds = (0..<2_000).map { _ in Int64.random(in: 1_577_836_800_000...2_082_758_400_000, using: &rng) }
        let failures = try Self.roundTripFailures(milliseconds)
        #expect(failures.isEmpty, "\(failures.count) failures: \(failures.prefix(5))")
    }

    /// `Timestamp.string` floors `timeIntervalSince1970 * 1000`; `Date` keeps seconds since 2001
    /// as a `Double`, so a whole millisecond far from 2001 can come back as x.999... and print
    /// one millisecond early, and each parse and format loses another.
    @Test
    func timestampsRoundTripFarFrom2001() throws {
        // Found by drawing whole milliseconds from 1970 to 2100: about one in twenty before 2005 fails.
        let failures = try Self.roundTripFailures([220_465_085_793, 52_680_540_931, 2_162_114_473_338])
        #expect(failures.isEmpty, "\(failures)")
    }

    @Test func parseAcceptsOffsetsAndZ() throws {
        let instant = Date(timeIntervalSince1970: 1_796_176_800)   // 2026-12-02T02:00:00Z
        #expect(Timestamp.parse("2026-12-02T10:00:00+08:00") == instant)
        #expect(Timestamp.parse("2026-12-02T02:00:00Z") == instant)
        #expect(Timestamp.parse("2026-12-02T02:00:00+00:00") == instant)
        #expect(Timestamp.parse("2026-12-01T21:00:00-05:00") == instant)
        #expect(Timestamp.parse("2026-12-02T10:00:00.250+08:00") == instant.addingTimeInterval(0.25))
        #expect(Timestamp.parse("2026-12-02T02:00:00.5Z") == instant.addingTimeInterval(0.5))
    }

    @Test(arguments: ["", "2026-12-02", "2026-12-02 10:00:00+08:00", "2026-12-02T10:00", "tomorrow", "2026-13-02T10:00:00Z", "1796176800"])
    func parseRejectsWhatIsNotRFC3339(text: String) {
        #expect(Timestamp.parse(text) == nil)
    }

    // MARK: - Complaint numbers and tokens

    @Test func numbersArePaddedToSixDigits() {
        #expect(ComplaintNumber.format(day: "20261129", sequence: 123) == "ZJ-20261129-000123")
        #expect(ComplaintNumber.format(day: "20261129", sequence: 1) == "ZJ-20261129-000001")
        #expect(ComplaintNumber.format(day: "20261129", sequence: 999_999) == "ZJ-20261129-999999")
        #expect(ComplaintNumber.isWellFormed(ComplaintNumber.format(day: ComplaintNumber.day(of: Date()), sequence: 42)))
    }

    @Test(arguments: ["ZJ-20261129-000123", "ZJ-20261129-000000", "ZJ-99999999-999999"])
    func wellFormedNumbers(text: String) {
        #expect(ComplaintNumber.isWellFormed(text))
    }

    @Test(arguments: ["", "ZJ-20261129-00012", "ZJ-20261129-0001234", "zj-20261129-000123", "ZJ_20261129-000123", "ZJ-20261129_000123",
                      "ZJ-2026112a-000123", "ZJ-20261129-00012x", "ZJ-20261129-000123 ", "ZJ-2026-1129-00123", "ZX-20261129-000123",
                      "ZJ-２０２６1129-000123", "../../etc/passwd1", "ZJ-20261129-+00123"])
    func malformedNumbers(text: String) {
        #expect(!ComplaintNumber.isWellFormed(text))
    }

    @Test func trackingTokensAreDerivedPerNumberAndShaped() {
        let key = TrackingKey.ephemeral(), other = TrackingKey.ephemeral()
        let numbers = (1...1_000).map { String(format: "ZJ-20261204-%06d", $0) }
        let tokens = numbers.map(key.token(for:))
        #expect(Set(tokens).count == tokens.count)
        #expect(numbers.map(key.token(for:)) == tokens, "the same key derives the same token again")
        #expect(numbers.map(other.token(for:)).allSatisfy { !tokens.contains($0) }, "another key derives other tokens")
        let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        for token in tokens {
            // 256 bits in base64url without padding: 43 characters.
            #expect(token.hasPrefix("trk_") && token.count == 47, "\(token)")
            #expect(token.dropFirst(4).allSatisfy(alphabet.contains), "\(token)")
        }
        #expect(Set(tokens.flatMap { $0.dropFirst(4) }).isSuperset(of: alphabet))
        #expect(key.fingerprint != other.fingerprint && key.fingerprint.count == 32)
    }

    /// Against Python's `hmac` and `hashlib` (independent implementations), for the key 00 01 .. 1f:
    /// `hmac.new(bytes(range(32)), b'ZJ-20261204-000001', 'sha256')`, base64url without padding.
    @Test func trackingTokensMatchAnIndependentHMAC() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tracking-key-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("key").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data("AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8\n".utf8),
                                               attributes: [.posixPermissions: 0o600]))
        let key = try TrackingKey.file(path)
        #expect(key.token(for: "ZJ-20261204-000001") == "trk_itiXW02u10cQz_9N-6Q1cGDr597zvhQWz4B1IVZVANE")
        #expect(TrackingKey.digest("trk_itiXW02u10cQz_9N-6Q1cGDr597zvhQWz4B1IVZVANE") == "62892400633587805206235e936ee59228cbe2f9b42fb08b65bf16113f3345b6")
        #expect(key.fingerprint == "3fd64e97495133495a8a9e796eb130ab")
    }

    /// A missing key file is made once, readable by its owner only, and read back the same; a
    /// file others may read, or one that holds no key, is refused with its path and the problem.
    @Test func theKeyFileIsCreatedPrivateAndCheckedWhenRead() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("tracking-key-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("deep/liaison.tracking-key").path
        let made = try TrackingKey.file(path)
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber).intValue
        #expect(mode == 0o600, "mode \(String(mode, radix: 8))")
        #expect(try TrackingKey.file(path).token(for: "ZJ-20261204-000001") == made.token(for: "ZJ-20261204-000001"))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        #expect { try TrackingKey.file(path) } throws: { "\($0)".contains("may be read by others (mode 644)") && "\($0)".contains(path) }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        try Data("not a key\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect { try TrackingKey.file(path) } throws: { "\($0)".contains("does not hold a key") }
    }

    @Test func videoRoomsAreFreshAndShaped() {
        let rooms = (0..<1_000).map { _ in ComplaintNumber.newRoom() }
        #expect(Set(rooms).count == rooms.count)
        let alphabet = Set("abcdefghijklmnopqrstuvwxyz234567")
        for room in rooms {
            #expect(room.hasPrefix("zj-") && room.count == 29 && room.dropFirst(3).allSatisfy(alphabet.contains), "\(room)")
        }
    }
}
