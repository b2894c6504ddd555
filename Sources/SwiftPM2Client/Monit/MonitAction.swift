/// What a key pressed in `swiftpm2 monit` asks for.
public enum MonitAction: Sendable, Equatable {
    case up, down, pageUp, pageDown, home, end
    /// `r`: restart the app of the selected instance.
    case restart
    /// `R`: reload the app of the selected instance.
    case reload
    /// `s`: stop the app of the selected instance.
    case stop
    /// `l`: show or hide the log pane.
    case toggleLogs
    /// Ctrl-L: draw the whole screen again.
    case redraw
    /// Ctrl-Z: give the terminal back to the shell until resumed.
    case suspend
    /// `q`, Esc, Ctrl-C.
    case quit
}
