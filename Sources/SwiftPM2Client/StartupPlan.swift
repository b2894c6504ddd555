/// The steps of `swiftpm2 startup` (install and enable the units) or `unstartup` (disable
/// and remove them), decided from values alone so that tests can compare them.
public struct StartupPlan: Sendable, Equatable {
    public var scope: UnitScope
    public var steps: [StartupStep]
    /// Whether the printed script stops at the first failing command (`set -e`).
    public var stopsAtFirstFailure: Bool

    /// Writes both units to `directory`, reloads systemd, and enables and starts them.
    /// With `byPath` (a folder outside systemd's search path), `enable` is given the files'
    /// paths, so that systemd links them in.
    public static func install(_ configuration: UnitConfiguration, directory: String, byPath: Bool) -> StartupPlan {
        let units = UnitFile.units(configuration)
        var steps: [StartupStep] = []
        if let account = configuration.account, case .path(let home) = configuration.home {
            steps.append(.createHome(home, account: account))
        }
        steps.append(.createDirectory(directory))
        steps += units.map { .write($0, path: directory + "/" + $0.name) }
        let sc = configuration.scope.systemctlArguments
        steps.append(.systemctl(sc + ["daemon-reload"]))
        steps.append(.systemctl(sc + ["enable", "--now"] + units.map { byPath ? directory + "/" + $0.name : $0.name }))
        return StartupPlan(scope: configuration.scope, steps: steps, stopsAtFirstFailure: true)
    }

    /// Stops and disables the units, removes their files from `directory`, reloads systemd.
    /// `disable` works by name even once the files are gone, so the printed commands may
    /// still be run later; the script goes on past a failure (units that were never enabled).
    public static func uninstall(scope: UnitScope, directory: String) -> StartupPlan {
        let names = [UnitFile.serviceName, UnitFile.socketName]
        let sc = scope.systemctlArguments
        let steps: [StartupStep] = [.systemctl(sc + ["disable", "--now"] + names)]
            + names.map { .remove(directory + "/" + $0) }
            + [.systemctl(sc + ["daemon-reload"])]
        return StartupPlan(scope: scope, steps: steps, stopsAtFirstFailure: false)
    }

    /// `steps` as a shell script, after `comments` (each line prefixed with `# `).
    public static func script(_ steps: [StartupStep], comments: [String], stopsAtFirstFailure: Bool) -> String {
        var lines = comments.map { "# " + $0 }
        if stopsAtFirstFailure && !steps.isEmpty { lines.append("set -e") }
        lines += steps.map(\.shellCommand)
        return lines.map { $0 + "\n" }.joined()
    }

    /// The whole plan as a shell script.
    public func script(comments: [String]) -> String {
        Self.script(steps, comments: comments, stopsAtFirstFailure: stopsAtFirstFailure)
    }
}
