/// The keys an app object may hold, and how each relates to PM2's.
///
/// | key | value | default | PM2 difference |
/// | --- | --- | --- | --- |
/// | `name` | string: not empty, no `/`, not all digits, not `all` | script file name without extension | same default |
/// | `script` | path or bare command (`$PATH`) | required | must be executable unless `interpreter` is set; PM2 defaults to `node` |
/// | `args`, `interpreter_args` | array, or one string split like a shell | `[]` | same |
/// | `interpreter` | path or bare command; `"none"` for none | none | PM2 defaults to `node` and guesses by extension |
/// | `cwd` | folder; relative to the ecosystem file's folder | that folder | PM2: the shell's folder |
/// | `instances` | n ≥ 1, `0`/`"max"`/`"-0"` (all cores), -n (cores - n), `"4"` | 1 | same |
/// | `exec_mode` | `fork`, `fork_mode`, `cluster`, `cluster_mode` | `fork` | cluster means shared sockets (`listen`), not Node's cluster |
/// | `namespace` | string | `default` | same |
/// | `env`, `env_NAME` | object of scalars (numbers and booleans become text) | `{}` | same; `--env NAME` merges `env_NAME` over `env` |
/// | `autorestart`, `wait_ready`, `merge_logs` | boolean (or `"true"`/`"false"`) | true, false, false | `wait_ready` waits for sd_notify `READY=1`, not `process.send('ready')` |
/// | `max_restarts` | integer ≥ 0 | 16 | same |
/// | `min_uptime`, `restart_delay`, `kill_timeout`, `listen_timeout` | duration: ms, or `"500ms"`, `"1.5s"`, `"2m"`, `"1h"` | 1000, 0, 1600, 3000 | PM2 accepts strings for `min_uptime` only |
/// | `exp_backoff_restart_delay` | duration; `0` = off | off | same |
/// | `crash_window` | duration | 60000 | ours: crashes this close together count as unstable |
/// | `balance` | `roundrobin`, `shared`, `reuseport` | `roundrobin` (`shared` with a unix: address) | ours: per-instance SO_REUSEPORT sockets dealt in turn by BPF, one socket for all, or per-instance sockets spread by hash |
/// | `watchdog` | duration (0 = off) | off | ours: `WATCHDOG_USEC` for the app; no `WATCHDOG=1` for that long recycles the instance |
/// | `kill_signal` | `"SIGTERM"`, `"TERM"`, `"sigterm"`, or 1...64 | SIGINT | same |
/// | `stop_exit_codes` | integer or array of integers 0...255 | `[]` | same |
/// | `out_file`, `error_file` | path relative to the ecosystem file's folder | `logs/` in the daemon home | aliases `output`/`out`/`out_log`, `error`/`err`/`err_file`/`err_log` |
/// | `log_date_format` | string (moment.js style) | none | same |
/// | `instance_var` | environment variable name | `SWIFTPM2_INSTANCE` | PM2: `NODE_APP_INSTANCE` |
/// | `max_memory_restart` | bytes, or `"512K"`, `"200M"`, `"1.5G"` (binary) | none | same |
/// | `cron_restart` | cron pattern, kept as written | none | same |
/// | `watch` | boolean (`true` = cwd), path or paths (relative to cwd) | off | same |
/// | `ignore_watch` | glob or globs | `[]` | PM2: regexes too |
/// | `listen` | `tcp://HOST:PORT`, `tcp://[::1]:PORT`, `unix:/path`, or an array | `[]` | ours: sockets the daemon binds and passes on |
/// | `port` | 1...65535 | none | PM2 sets `PORT`; here it also adds `tcp://0.0.0.0:PORT` to `listen` |
/// | `health` | object: one of `http` (a path), `tcp: true`, `command`; `status`, `port`, `interval`, `timeout`, `failures`, `start_period` | none | ours: PM2 has no health checks (see HealthCheck) |
/// | `autostart` | `true` only | true | `false` is refused: swiftpm2 starts every app it is given |
/// | `uid`, `gid`, `user` | — | — | refused: apps run as the daemon's user |
enum EcosystemKeys {
    /// Keys read into ``AppSpec``.
    static let known: [String] = [
        "name", "script", "args", "interpreter", "interpreter_args", "cwd", "instances", "exec_mode",
        "namespace", "env", "autorestart", "max_restarts", "min_uptime", "restart_delay",
        "exp_backoff_restart_delay", "crash_window", "watchdog", "balance", "kill_timeout", "kill_signal", "stop_exit_codes",
        "wait_ready", "listen_timeout", "out_file", "error_file", "merge_logs", "log_date_format", "log_type",
        "instance_var", "max_memory_restart", "max_memory_samples", "cron_restart", "watch", "ignore_watch", "watch_delay", "listen", "port", "ipc", "ipc_ping",
        "autostart", "health",
    ]

    /// PM2's other spellings of known keys.
    static let aliases: [String: String] = [
        "exec": "script", "exec_interpreter": "interpreter", "interpreterArgs": "interpreter_args",
        "output": "out_file", "out": "out_file", "out_log": "out_file",
        "error": "error_file", "err": "error_file", "err_file": "error_file", "err_log": "error_file",
        "cron": "cron_restart", "combine_logs": "merge_logs",
    ]

    /// PM2 keys accepted with a warning, and why they do nothing here.
    static let ignored: [String: String] = {
        var reasons: [String: String] = [:]
        for key in ["node_args", "source_map_support", "disable_source_map_support", "pmx", "automation", "trace",
                    "disable_trace", "v8", "event_loop_inspector", "deep_monitoring", "io", "shutdown_with_message"] {
            reasons[key] = "ignored by swiftpm2 (Node.js-only)"
        }
        for key in ["vizion", "post_update", "force", "append_env_to_name", "filter_env", "name_prefix",
                    "install_url", "execute_command", "username", "write", "kill_retry_time", "windowsHide"] {
            reasons[key] = "ignored by swiftpm2 (PM2-only)"
        }
        reasons["treekill"] = "ignored by swiftpm2 (stop always signals the whole process group)"
        reasons["time"] = "ignored by swiftpm2; use log_date_format for timestamps"
        reasons["disable_logs"] = "ignored by swiftpm2; set out_file and error_file to /dev/null"
        reasons["pid_file"] = "ignored by swiftpm2 (pids are shown by `swiftpm2 jlist`)"
        reasons["pid"] = reasons["pid_file"]
        reasons["watch_options"] = "ignored by swiftpm2 (chokidar options; watch_delay and ignore_watch are read)"
        reasons["increment_var"] = "ignored by swiftpm2; use instance_var"
        reasons["log_file"] = "not supported by swiftpm2 (no combined stdout+stderr file); use out_file and error_file, or merge_logs"
        reasons["log"] = reasons["log_file"]
        return reasons
    }()

    /// Keys that are refused with an explanation rather than ignored.
    static let refused: [String: ValueProblem] = [
        "uid": ValueProblem("not supported: apps run as the daemon's user", hint: "remove it, or run a daemon as that user"),
        "gid": ValueProblem("not supported: apps run as the daemon's group", hint: "remove it, or run a daemon as that user"),
        "user": ValueProblem("not supported: apps run as the daemon's user", hint: "remove it, or run a daemon as that user"),
    ]

    /// `env_production`, `env_staging`...: always valid.
    static func isEnvironmentKey(_ key: String) -> Bool {
        key.hasPrefix("env_")
    }

    /// The canonical key for `key`, or nil when it is not an app key we read.
    static func canonical(_ key: String) -> String? {
        if known.contains(key) { return key }
        return aliases[key]
    }

    /// Every spelling worth suggesting for a misspelt app key.
    static var suggestible: [String] {
        known + aliases.keys.sorted() + ignored.keys.sorted() + ["env_production"]
    }
}
