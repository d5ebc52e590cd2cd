import ArgumentParser
import Foundation
import Synchronization

/// Settings from the environment and an optional config file, given to a command as the long
/// options it was not given on its command line. A flag wins over `LIAISON_<NAME>` (the flag's
/// name in capitals, `-` as `_`: `LIAISON_MIN_FREE_DISK_MB`), which wins over a `name = value`
/// line of the config file (`--config FILE` or `LIAISON_CONFIG`), which wins over the built-in
/// default. The values then go through the command's own parsing and checks, as flags do.
///
/// So that secrets need never be on a command line (where `ps` shows them): the database URL
/// with its password can come from `LIAISON_DB` or the file, and the secrets themselves are
/// files (`--tracking-key`, `--video-jwt-secret-file`, `--sms-webhook-auth-file`).
///
/// Which options can be set so is declared by the option groups (``Configurable``); a command
/// takes the settings of the groups it has. A key the file does not know is an error, for every
/// command (the file is shared by `serve` and the operators' commands); a key that the command
/// at hand does not take is left for the others.
struct Configuration {
    /// One setting given to the command, and where it came from.
    struct Applied: Sendable {
        let key: String
        /// `LIAISON_PORT`, or `/etc/liaison/liaison.conf:3`.
        let source: String
    }

    /// What the config file said, key by key, each value with its line.
    private(set) var file: [String: [(value: String, line: Int)]] = [:]
    private(set) var filePath: String?

    /// The settings applied to the command being run, for its log and its error messages.
    static let applied = Mutex<[Applied]>([])

    /// Keys that may be given more than once (`--client-quota`, `--trusted-proxy`): repeated lines
    /// in the file, or values separated by commas in the environment.
    static let listKeys: Set<String> = ["client-quota", "trusted-proxy"]

    /// Every key a file may hold: what `serve`, which has every group, takes.
    static var knownKeys: [String] { keys(of: Liaison.Serve.self) }

    struct Problem: Error, CustomStringConvertible {
        let description: String
    }

    /// Reads the config file `--config` or `LIAISON_CONFIG` names, if any.
    init(arguments: [String], environment: [String: String]) throws {
        var path = environment["LIAISON_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
        for (i, argument) in arguments.enumerated() {
            if argument == "--" { break }
            if argument == "--config" {
                guard i + 1 < arguments.count else { throw Problem(description: "--config: expected a file after it") }
                path = arguments[i + 1]
            } else if argument.hasPrefix("--config=") {
                path = String(argument.dropFirst("--config=".count))
            }
        }
        guard let path else { return }
        filePath = path
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw Problem(description: "--config: cannot read \(path): \((error as NSError).localizedDescription)")
        }
        let known = Set(Self.knownKeys)
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            let number = index + 1
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let equals = line.firstIndex(of: "=") else {
                throw Problem(description: "\(path):\(number): expected name = value (a flag's long name without its dashes), found \"\(line)\"")
            }
            var key = line[..<equals].trimmingCharacters(in: .whitespaces)
            if key.hasPrefix("--") { key.removeFirst(2) }
            var value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            guard known.contains(key) else {
                throw Problem(description: "\(path):\(number): unknown setting \"\(key)\": expected one of \(known.sorted().joined(separator: ", "))")
            }
            if let earlier = file[key]?.first, !Self.listKeys.contains(key) {
                throw Problem(description: "\(path):\(number): \(key) is set twice (first on line \(earlier.line)): only \(Self.listKeys.sorted().joined(separator: " and ")) may repeat")
            }
            file[key, default: []].append((value, number))
        }
    }

    /// `arguments` with the settings the command takes and was not given as flags, as
    /// `--name=value` before any `--`, and what was applied.
    func complete(_ arguments: [String], environment: [String: String]) -> (arguments: [String], applied: [Applied]) {
        let command = Self.command(named: arguments)
        let end = arguments.firstIndex(of: "--") ?? arguments.endIndex
        let given = Set(arguments[..<end].compactMap { argument -> String? in
            guard argument.hasPrefix("--") else { return nil }
            return String(argument.dropFirst(2).prefix { $0 != "=" })
        })
        var added: [String] = [], applied: [Applied] = []
        for key in Self.keys(of: command) where !given.contains(key) {
            let variable = "LIAISON_" + key.uppercased().replacingOccurrences(of: "-", with: "_")
            if let value = environment[variable], !value.isEmpty {
                let values = Self.listKeys.contains(key)
                    ? value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } : [value]
                added += values.map { "--\(key)=\($0)" }
                applied.append(Applied(key: key, source: variable))
            } else if let lines = file[key], let path = filePath {
                added += lines.map { "--\(key)=\($0.value)" }
                applied.append(Applied(key: key, source: "\(path):\(lines[0].line)"))
            }
        }
        var completed = arguments
        completed.insert(contentsOf: added, at: end)
        return (completed, applied)
    }

    /// The (sub)command the leading words of `arguments` name: `liaison stations show ...`.
    static func command(named arguments: [String]) -> any ParsableCommand.Type {
        var command: any ParsableCommand.Type = Liaison.self
        for word in arguments {
            guard !word.hasPrefix("-"), let sub = command.configuration.subcommands.first(where: { $0._commandName == word }) else { break }
            command = sub
        }
        return command
    }

    /// The keys `command` takes: its own (when it is ``Configurable``) and its option groups'.
    static func keys(of command: any ParsableCommand.Type) -> [String] {
        var keys = (command as? any Configurable.Type)?.settingKeys ?? []
        for child in Mirror(reflecting: command.init()).children {
            if let group = child.value as? any ConfigurableGroup { keys += group.settingKeys }
        }
        return keys
    }

    /// Where the settings a usage error may be about came from, for the error message.
    static func note(for applied: [Applied]) -> String? {
        guard !applied.isEmpty else { return nil }
        return "Settings not given as flags: " + applied.map { "--\($0.key) from \($0.source)" }.joined(separator: ", ")
    }
}

/// Options whose long names a config file or the environment may set.
protocol Configurable {
    static var settingKeys: [String] { get }
}

/// An `@OptionGroup` of a ``Configurable`` group, as it is found on a command.
protocol ConfigurableGroup {
    var settingKeys: [String] { get }
}

extension OptionGroup: ConfigurableGroup where Value: Configurable {
    var settingKeys: [String] { Value.settingKeys }
}
