import NIOCore
import NIOEmbedded
import NIOHTTP1
import SwiftPM2Core
@testable import SwiftPM2Daemon

/// One input: bytes from a client, through the daemon's HTTP pipeline (NIO's decoder with the
/// same `configureHTTPServerPipeline(withErrorHandling: true)`), then every request decoded
/// as the router decodes it: the URI split into path and percent-decoded query, the selector,
/// the scale body, and a body read as an ecosystem document. A crash or a hang is a finding.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let channel = EmbeddedChannel()
    defer { _ = try? channel.finish() }
    do {
        try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
        try channel.writeInbound(ByteBuffer(bytes: bytes))
    } catch {
        return 0  // a parse error: the error handler answered 400
    }
    var uri: String?
    var body: [UInt8] = []
    while let part = try? channel.readInbound(as: HTTPServerRequestPart.self) {
        switch part {
        case .head(let head): uri = head.uri; body = []
        case .body(let buffer): if body.count < APIServer.maxBody { body += buffer.readableBytesView }
        case .end:
            if let uri { decode(uri: uri, body: body) }
            uri = nil
        }
    }
    return 0
}

private func decode(uri: String, body: [UInt8]) {
    let (path, query) = Router.split(uri)
    let parts = path.split(separator: "/", omittingEmptySubsequences: true).map { Router.percentDecode($0, plusIsSpace: false) }
    if parts.count >= 3 { _ = AppSelector(parts[2]) }
    _ = try? Router.scaleTarget(body)
    guard let document = try? Ecosystem.parse(body, format: .json, source: query["source"] ?? "request body") else { return }
    _ = try? Ecosystem.validate(document, source: "request body", baseDirectory: query["base"] ?? "/", envName: query["env"], probe: NothingProbe())
}

struct NothingProbe: ExecutableProbe {
    func checkExecutable(_ path: String) -> String? { nil }
    func checkReadable(_ path: String) -> String? { nil }
    func checkDirectory(_ path: String) -> String? { nil }
    func which(_ name: String) -> String? { "/usr/bin/" + name }
}
