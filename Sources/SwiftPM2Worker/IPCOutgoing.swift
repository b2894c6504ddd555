/// One message to the daemon, as docs/messages.md lists them ("From the instance to the daemon").
enum IPCOutgoing: Equatable {
    case message(data: Worker.JSON)
    case reply(id: String, data: Worker.JSON, error: String?)
    case pong(id: String, data: Worker.JSON)
    case actions([String])

    /// The message as one line: a JSON object with `type` first, then `\n`.
    func line() -> [UInt8] {
        var out: [UInt8] = []
        Worker.JSON.write(members: members, to: &out)
        out.append(0x0A)
        return out
    }

    private var members: [(key: String, value: Worker.JSON)] {
        switch self {
        case .message(let data):
            return [("type", "message"), ("data", data)]
        case .reply(let id, let data, nil):
            return [("type", "reply"), ("id", .string(id)), ("data", data)]
        case .reply(let id, let data, let error?):
            return [("type", "reply"), ("id", .string(id)), ("data", data), ("error", .string(error))]
        case .pong(let id, let data):
            return [("type", "pong"), ("id", .string(id)), ("data", data)]
        case .actions(let names):
            return [("type", "actions"), ("actions", .array(names.map(Worker.JSON.string)))]
        }
    }
}
