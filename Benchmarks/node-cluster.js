// The Node.js counterpart of example-server for the benchmarks (Benchmarks/bench.py, peers.py):
// Node's own `cluster` module, a primary forking WORKERS workers that share 127.0.0.1:PORT.
//   /          -> "pid X instance I"
//   /work?n=N  -> burns CPU for N iterations of a 32-bit LCG, then "pid X worked N -> R"
// The primary prints "ready <worker pids...>" once every worker listens, and on SIGTERM or
// SIGINT disconnects the workers (they exit) and exits. A worker that dies makes the primary
// exit, unless RESPAWN=1: then the primary forks a replacement at once (Node's re-fork, as a
// process manager built on `cluster` does) and prints "respawned <pid>" once it listens.
// WORKERS=0: no cluster, this process serves itself: on the socket a manager passes as fd 3
// (LISTEN_FDS set, as swiftpm2's cluster mode and systemd do), else on 127.0.0.1:PORT; it prints
// "ready <pid>" once it listens. Extra arguments are ignored (the harness passes a marker so that
// it can recognise its own processes).
"use strict";
const cluster = require("node:cluster");
const http = require("node:http");

const port = Number(process.env.PORT || 3000);
const workers = Number(process.env.WORKERS ?? 1);
const respawn = process.env.RESPAWN === "1";

function serve(instance) {
  return http.createServer((req, res) => {
    let body = `pid ${process.pid} instance ${instance}\n`;
    if (req.url.startsWith("/work")) {
      const m = /n=(\d+)/.exec(req.url);
      const n = m ? Number(m[1]) : 100000;
      let x = 1;
      for (let i = 0; i < n; i++) x = (Math.imul(x, 1664525) + i) | 0;
      body = `pid ${process.pid} worked ${n} -> ${(x >>> 0) % 1000}\n`;
    }
    res.writeHead(200, { "Content-Type": "text/plain", "Content-Length": Buffer.byteLength(body) });
    res.end(body);
  });
}

if (workers === 0) {
  const server = serve(process.env.SWIFTPM2_INSTANCE || "-");
  const onListening = () => process.stdout.write(`ready ${process.pid}\n`);
  if (process.env.LISTEN_FDS) server.listen({ fd: 3 }, onListening);
  else server.listen(port, "127.0.0.1", onListening);
  const stop = () => { server.close(() => process.exit(0)); setTimeout(() => process.exit(0), 1000).unref(); };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
} else if (cluster.isPrimary) {
  let listening = 0;
  let stopping = false;
  const pids = [];
  cluster.on("listening", (worker) => {
    if (listening >= workers) {
      process.stdout.write(`respawned ${worker.process.pid}\n`);
      return;
    }
    pids.push(worker.process.pid);
    if (++listening === workers) process.stdout.write("ready " + pids.join(" ") + "\n");
  });
  cluster.on("exit", (worker, code, signal) => {
    if (stopping) return;
    if (respawn) {
      cluster.fork({ NODE_INSTANCE: worker.process.env?.NODE_INSTANCE ?? "0" });
      return;
    }
    process.stderr.write(`worker ${worker.process.pid} died (${signal || code})\n`);
    process.exit(1);
  });
  const stop = () => {
    stopping = true;
    cluster.disconnect(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  for (let i = 0; i < workers; i++) cluster.fork({ NODE_INSTANCE: String(i) });
} else {
  serve(process.env.NODE_INSTANCE || "-").listen(port, "127.0.0.1");
}
