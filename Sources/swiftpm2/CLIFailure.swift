import ArgumentParser
import Glibc
import SwiftPM2Client
import SwiftPM2Core

/// Exit statuses of the CLI (also in docs/cli.md).
enum ExitStatus: Int32 {
    case failed = 1
    case invalidEcosystem = 2
    case noDaemon = 3
    case notFound = 4
}

/// Prints one clear sentence to stderr and exits with the status that fits.
func fail(_ message: String, _ status: ExitStatus) -> ExitCode {
    writeStderr("swiftpm2: \(message)\n")
    return ExitCode(status.rawValue)
}

func fail(_ error: ClientError) -> ExitCode {
    switch error {
    case .daemonUnavailable: return fail(error.description, .noDaemon)
    case .api(let api, _):
        switch APIError.Code(rawValue: api.code) {
        case .notFound: return fail(api.message, .notFound)
        case .invalidEcosystem: return fail(api.message, .invalidEcosystem)
        default: return fail(api.message, .failed)
        }
    case .badResponse: return fail(error.description, .failed)
    }
}

func writeStderr(_ text: String) {
    _ = text.withCString { write(STDERR_FILENO, $0, strlen($0)) }
}

/// True when standard output is a terminal (colours, live views).
var stdoutIsTerminal: Bool {
    isatty(STDOUT_FILENO) == 1 && (getenv("NO_COLOR").map { $0.pointee == 0 } ?? true)
}

/// A client of the daemon, starting it if needed.
func connect() throws -> DaemonClient {
    do {
        return try DaemonLauncher(home: DaemonLauncher.defaultHome()).client()
    } catch {
        throw fail(error)
    }
}

/// Runs an API call, turning its error into the CLI's exit.
func api<T>(_ body: () async throws(ClientError) -> T) async throws -> T {
    do {
        return try await body()
    } catch {
        throw fail(error)
    }
}

/// Pretty JSON for `--json` and `jlist`.
func printJSON<T: Encodable>(_ value: T) {
    print(String(decoding: prettyJSON(value), as: UTF8.self))
}
