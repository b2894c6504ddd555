/// One line from the daemon, read: what the reader thread has to do with it.
enum IPCIncoming: Equatable {
    /// `message`: goes to ``Worker/IPC/messages``.
    case message(Worker.IPC.Message)
    /// `action`: answered by a handler, or with "unknown action".
    case action(id: String, name: String, data: Worker.JSON)
    /// `ping`: answered with a `pong`.
    case ping(id: String)
    /// A JSON object this side has nothing to do with: an unknown `type` (forward
    /// compatibility), or an `action` or `ping` without the string `id` an answer needs.
    case ignored
    /// Not a JSON object, or not JSON at all: dropped and counted.
    case malformed

    /// Reads one line (without its `\n`). Unknown keys are ignored.
    init(line: [UInt8]) {
        guard let value = try? Worker.JSON(parsing: line), case .object(let object) = value else {
            self = .malformed
            return
        }
        let id = object["id"]?.stringValue
        switch object["type"]?.stringValue {
        case "message":
            self = .message(Worker.IPC.Message(data: object["data"] ?? .null, id: id))
        case "action":
            guard let id, let name = object["action"]?.stringValue else {
                self = .ignored
                return
            }
            self = .action(id: id, name: name, data: object["data"] ?? .null)
        case "ping":
            guard let id else {
                self = .ignored
                return
            }
            self = .ping(id: id)
        default:
            self = .ignored
        }
    }
}
