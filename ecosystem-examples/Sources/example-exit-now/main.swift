import Glibc

// Exits at once with the code given as its first argument (default 1), after one line on
// stderr: the example of an app that fails to start.
let code = CommandLine.arguments.dropFirst().first.flatMap { Int32($0) } ?? 1
_ = "example-exit-now: giving up at once with code \(code)\n".withCString { write(2, $0, strlen($0)) }
exit(code)
