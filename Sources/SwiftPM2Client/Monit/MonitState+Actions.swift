import SwiftPM2Core

/// Keys to state changes and commands.
extension MonitState {
    /// Applies a key's action and says what else must happen.
    public mutating func handle(_ action: MonitAction) -> MonitCommand {
        let before = selected
        let page = max(1, layout.tableRows)
        switch action {
        case .up: select(row: selectedRow - 1)
        case .down: select(row: selectedRow + 1)
        case .pageUp: select(row: selectedRow - page)
        case .pageDown: select(row: selectedRow + page)
        case .home: select(row: 0)
        case .end: select(row: rows.count - 1)
        case .toggleLogs:
            showLogs.toggle()
            keepSelectionVisible()
            return showLogs ? .refreshLogs : .none
        case .restart: return appAction(.restart)
        case .reload: return appAction(.reload)
        case .stop: return appAction(.stop)
        case .redraw: return .redraw
        case .suspend: return .suspend
        case .quit: return .quit
        }
        return selected != before && showLogs ? .refreshLogs : .none
    }

    private mutating func appAction(_ verb: MonitVerb) -> MonitCommand {
        guard let row = selectedRowInfo else {
            status = MonitStatus("nothing selected", .failure)
            return .none
        }
        if let busy {
            status = MonitStatus("still \(busy); \(verb.rawValue) not sent", .failure)
            return .none
        }
        busy = "\(verb.progressive) \(row.app.name)"
        status = nil
        return .appAction(verb: verb, appId: row.app.id, appName: row.app.name)
    }

    /// Records the daemon's answer to an action.
    public mutating func finish(_ verb: MonitVerb, appName: String, result: Result<[AppInfo], ClientError>) {
        busy = nil
        switch result {
        case .success(let apps):
            let instances = apps.flatMap(\.instances)
            let online = instances.filter { $0.state == .online || $0.state == .launching }.count
            status = MonitStatus("\(verb.past) \(appName): \(online)/\(instances.count) running", .success)
        case .failure(let error):
            status = MonitStatus("\(verb.rawValue) \(appName) failed: \(error.description)", .failure)
        }
    }

    /// Records a failed refresh.
    public mutating func refreshFailed(_ error: ClientError, atMs: Int) {
        nowMs = atMs
        daemon = .unreachable(error.description)
    }
}
