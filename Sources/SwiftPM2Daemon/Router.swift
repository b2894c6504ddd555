import FoundationEssentials
import Glibc
import NIOHTTP1
import SwiftPM2Core

/// Maps control API requests to supervisor calls. The routes are in docs/api.md.
struct Router: Sendable {
    let supervisor: Supervisor
    let bus: EventBus
    let home: DaemonHome
    let requestShutdown: @Sendable () -> Void

    static let version = "0.1.0"

    func handle(method: HTTPMethod, uri: String, body: [UInt8]) async -> APIResponse {
        let (path, query) = Self.split(uri)
        let parts = path.split(separator: "/", omittingEmptySubsequences: true).map { Self.percentDecode($0, plusIsSpace: false) }
        do {
            return try await route(method, parts, query, body)
        } catch {
            return .error(error)
        }
    }

    private func route(_ method: HTTPMethod, _ p: [String], _ q: [String: String], _ body: [UInt8]) async throws(APIError) -> APIResponse {
        switch (method, p.count) {
        case (.GET, 2) where p == ["v1", "ping"]:
            return .json(await ping())
        case (_, 2) where p == ["v1", "apps"]:
            switch method {
            case .GET: return .json(AppList(apps: try await supervisor.list()))
            case .POST: return .json(try await start(body, query: q), status: .created)
            default: throw Self.notAllowed(method, "/v1/apps", "GET, POST")
            }
        case (_, 3) where p[0...1] == ["v1", "apps"]:
            let selector = AppSelector(p[2])
            switch method {
            case .GET: return .json(AppList(apps: try await supervisor.list(selector)))
            case .DELETE: return .json(AppList(apps: try await supervisor.delete(selector)))
            default: throw Self.notAllowed(method, "/v1/apps/{sel}", "GET, DELETE")
            }
        case (_, 4) where p[0...1] == ["v1", "apps"]:
            let selector = AppSelector(p[2])
            switch (method, p[3]) {
            case (.POST, "stop"): return .json(AppList(apps: try await supervisor.stop(selector)))
            case (.POST, "restart"): return .json(AppList(apps: try await supervisor.restart(selector)))
            case (.POST, "reload"): return .json(AppList(apps: try await supervisor.reload(selector)))
            case (.POST, "scale"): return .json(AppList(apps: try await supervisor.scale(selector, to: try Self.scaleTarget(body))))
            case (.GET, "logs"): return try await logs(selector, query: q)
            case (.POST, "send"):
                let body = try Self.object(body)
                return .json(try await supervisor.send(selector, instance: try Self.instance(body), data: body["data"] ?? .null))
            case (.POST, "trigger"):
                let body = try Self.object(body)
                guard let action = body["action"]?.stringValue, !action.isEmpty else {
                    throw APIError(.badRequest, "trigger needs {\"action\": \"name\"} (and optionally \"data\", \"instance\", \"timeoutMs\")")
                }
                var timeoutMs: Int64 = 2000
                switch body["timeoutMs"] {
                case .int(let ms)?: timeoutMs = ms
                case nil, .null?: break
                default: throw APIError(.badRequest, "\"timeoutMs\" must be an integer number of milliseconds")
                }
                guard (1...600_000).contains(timeoutMs) else { throw APIError(.badRequest, "\"timeoutMs\" must be 1...600000") }
                return .json(try await supervisor.trigger(selector, instance: try Self.instance(body), action: action,
                                                          data: body["data"] ?? .null, timeout: .milliseconds(timeoutMs)))
            case (.POST, "signal"):
                let body = try Self.object(body)
                guard let number = SignalNames.number(body["signal"] ?? .null) else {
                    throw APIError(.badRequest, "signal needs {\"signal\": \"SIGUSR2\"} (a name or a number 1...64)")
                }
                return .json(AppList(apps: try await supervisor.signal(selector, number)))
            case (.POST, "flush"):
                return .json(FlushResult(files: try await supervisor.flush(selector)))
            case (_, "send"), (_, "trigger"), (_, "signal"), (_, "flush"): throw Self.notAllowed(method, "/v1/apps/{sel}/\(p[3])", "POST")
            case (_, "stop"), (_, "restart"), (_, "reload"), (_, "scale"): throw Self.notAllowed(method, "/v1/apps/{sel}/\(p[3])", "POST")
            case (_, "logs"): throw Self.notAllowed(method, "/v1/apps/{sel}/logs", "GET")
            default: break
            }
        case (_, 2) where p == ["v1", "apply"]:
            guard method == .POST else { throw Self.notAllowed(method, "/v1/apply", "POST") }
            let specs = try load(body, query: q)
            var result = try await supervisor.apply(specs.apps, prune: q["prune"] == "true" || q["prune"] == "1")
            result.warnings = specs.warnings + result.warnings
            return .json(result)
        case (_, 2) where p == ["v1", "save"]:
            guard method == .POST else { throw Self.notAllowed(method, "/v1/save", "POST") }
            return .json(try await supervisor.save())
        case (_, 2) where p == ["v1", "resurrect"]:
            guard method == .POST else { throw Self.notAllowed(method, "/v1/resurrect", "POST") }
            return .json(try await supervisor.resurrect())
        case (_, 1) where p == ["metrics"]:
            // No token here: the control socket is already restricted to the owner and root.
            guard method == .GET else { throw Self.notAllowed(method, "/metrics", "GET") }
            let snapshot = await MetricsSnapshot.collect(from: supervisor, version: Self.version)
            return .text(MetricsText.render(snapshot), contentType: MetricsText.contentType)
        case (.GET, 2) where p == ["v1", "events"]:
            return .ndjson(eventStream())
        case (_, 2) where p == ["v1", "kill"]:
            guard method == .POST else { throw Self.notAllowed(method, "/v1/kill", "POST") }
            await supervisor.stopEverything()
            var response = APIResponse.json(await ping())
            response.afterWrite = requestShutdown
            return response
        default:
            break
        }
        throw APIError(.notFound, "no route \(method.rawValue) /\(p.joined(separator: "/")); see docs/api.md")
    }

    /// A JSON object body.
    static func object(_ body: [UInt8]) throws(APIError) -> [String: JSONValue] {
        guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) else {
            throw APIError(.badRequest, "the body must be a JSON object")
        }
        return object
    }

    /// The optional `instance` of a send or trigger body.
    static func instance(_ body: [String: JSONValue]) throws(APIError) -> Int? {
        switch body["instance"] {
        case nil, .null?: return nil
        case .int(let n)? where n >= 0: return Int(n)
        default: throw APIError(.badRequest, "\"instance\" must be an instance number (0, 1, ...)")
        }
    }

    private func ping() async -> PingResponse {
        let started = await supervisor.startedWallMs
        return PingResponse(version: Self.version, pid: getpid(), uptimeMs: Int(wallClockMs() - started), home: home.root)
    }

    /// `POST /v1/apps?env=NAME&base=/dir`: the body is an ecosystem document (JSON).
    private func start(_ body: [UInt8], query: [String: String]) async throws(APIError) -> AppList {
        let result = try load(body, query: query)
        var list = try await supervisor.start(result.apps)
        list.warnings = result.warnings + list.warnings
        return list
    }

    /// Parses and validates an ecosystem document from a request (query: env, base, source).
    private func load(_ body: [UInt8], query: [String: String]) throws(APIError) -> EcosystemLoadResult {
        let source = query["source"] ?? "request body"
        let base = query["base"] ?? "/"
        guard base.hasPrefix("/") else {
            throw APIError(.badRequest, "query parameter `base` must be an absolute folder, got `\(base)`")
        }
        let result: EcosystemLoadResult
        do {
            let document = try Ecosystem.parse(body, format: .json, source: source)
            result = try Ecosystem.validate(document, source: source, baseDirectory: base,
                                            envName: query["env"], probe: SystemExecutableProbe())
        } catch {
            throw APIError(.invalidEcosystem, error.description)
        }
        return result
    }

    private func logs(_ selector: AppSelector, query: [String: String]) async throws(APIError) -> APIResponse {
        let apps = try await supervisor.list(selector)
        let journaled = apps.filter { $0.spec.logType == .journal }.map(\.name)
        if !journaled.isEmpty && journaled.count == apps.count {
            throw APIError(.badRequest, "\(journaled.joined(separator: ", ")) log(s) to the systemd journal (log_type \"journal\"): read them with `journalctl SWIFTPM2_APP=\(journaled[0])` (add -f to follow)")
        }
        let count = Int(query["lines"] ?? "") ?? 15
        let follow = query["follow"] == "true" || query["follow"] == "1"
        var tails: [(LogTail, app: String, instance: Int?, stream: String)] = []
        var seen = Set<String>()
        for app in apps where app.spec.logType != .journal {
            for inst in app.instances {
                for (path, stream) in [(inst.outLog, "out"), (inst.errLog, "err")] where seen.insert(path).inserted {
                    tails.append((LogTail(path: path), app.name, app.spec.mergeLogs ? nil : inst.index, stream))
                }
            }
        }
        var initial: [[UInt8]] = []
        for i in tails.indices {
            for line in tails[i].0.lastLines(count) {
                initial.append(ndjsonLine(LogLine(app: tails[i].app, instance: tails[i].instance, stream: tails[i].stream, line: line)))
            }
        }
        let (stream, continuation) = AsyncStream.makeStream(of: [UInt8].self)
        for chunk in initial { continuation.yield(chunk) }
        guard follow else {
            continuation.finish()
            return .ndjson(stream)
        }
        let task = Task { [tails] in
            var tails = tails
            while !Task.isCancelled {
                for i in tails.indices {
                    for line in tails[i].0.newLines() {
                        continuation.yield(ndjsonLine(LogLine(app: tails[i].app, instance: tails[i].instance, stream: tails[i].stream, line: line)))
                    }
                }
                try? await Task.sleep(for: .milliseconds(100))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return .ndjson(stream)
    }

    private func eventStream() -> AsyncStream<[UInt8]> {
        let events = bus.subscribe()
        return AsyncStream { continuation in
            let task = Task {
                for await event in events { continuation.yield(ndjsonLine(event)) }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    /// `{"instances": 4}`, `{"instances": "+2"}` or `{"instances": "-1"}`.
    static func scaleTarget(_ body: [UInt8]) throws(APIError) -> ScaleTarget {
        let expected = #"expected {"instances": N}, with N a number or a string like "+2" or "-1""#
        guard let document = try? Ecosystem.parse(body, format: .json, source: "request body"),
              let value = document["instances"] else {
            throw APIError(.badRequest, "scale: " + expected)
        }
        switch value {
        case .int(let n) where n >= 1: return .exactly(n)
        case .string(let text): if let target = ScaleTarget(text) { return target }
        default: break
        }
        throw APIError(.badRequest, "scale: `instances`: " + expected)
    }

    private static func notAllowed(_ method: HTTPMethod, _ route: String, _ allowed: String) -> APIError {
        APIError(.methodNotAllowed, "\(method.rawValue) is not allowed on \(route); use \(allowed)")
    }

    /// Path and decoded query parameters of a request URI.
    static func split(_ uri: String) -> (String, [String: String]) {
        guard let q = uri.firstIndex(of: "?") else { return (uri, [:]) }
        var query: [String: String] = [:]
        for pair in uri[uri.index(after: q)...].split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            query[percentDecode(kv[0])] = kv.count > 1 ? percentDecode(kv[1]) : ""
        }
        return (String(uri[..<q]), query)
    }

    static func percentDecode(_ s: Substring, plusIsSpace: Bool = true) -> String {
        var out: [UInt8] = []
        var it = Array(s.utf8).makeIterator()
        while let c = it.next() {
            if c == UInt8(ascii: "%"), let h = it.next(), let l = it.next(),
               let v = UInt8(String(decoding: [h, l], as: UTF8.self), radix: 16) {
                out.append(v)
            } else if c == UInt8(ascii: "+") && plusIsSpace {
                out.append(UInt8(ascii: " "))
            } else {
                out.append(c)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
