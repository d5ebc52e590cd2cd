import Testing

extension Tag {
    /// Suites that start `liaison` processes, live servers or external tools. A quick run leaves
    /// them out; `swift test --skip tag:slow` does once the toolchain's swift-testing filters by
    /// tag (after Swift 6.3), and the README names them for `--skip` until then.
    @Tag public static var slow: Self
}
