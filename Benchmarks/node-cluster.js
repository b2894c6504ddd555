// The Node.js counterpart of example-server for the cluster-mode benchmark (Benchmarks/bench.py):
// Node's own `cluster` module, a primary forking WORKERS workers that share 127.0.0.1:PORT.
//   /          -> "pid X instance I"
//   /work?n=N  -> burns CPU for N iterations of a 32-bit LCG, then "pid X worked N -> R"
// The primary prints "ready <worker pids...>" once every worker listens, and on SIGTERM or
// SIGINT disconnects the workers (they exit) and exits. Extra arguments are ignored (the harness
// passes a marker so that it can recognise its own processes).
"use strict";
const cluster = require("node:cluster");
const http = require("node:http");

const port = Number(process.env.PORT || 3000);
const workers = Number(process.env.WORKERS || 1);

if (cluster.isPrimary) {
  let listening = 0;
  const pids = [];
  cluster.on("listening", (worker) => {
    pids.push(worker.process.pid);
    if (++listening === workers) process.stdout.write("ready " + pids.join(" ") + "\n");
  });
  cluster.on("exit", (worker, code, signal) => {
    if (!stopping) {
      process.stderr.write(`worker ${worker.process.pid} died (${signal || code})\n`);
      process.exit(1);
    }
  });
  let stopping = false;
  const stop = () => {
    stopping = true;
    cluster.disconnect(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  for (let i = 0; i < workers; i++) cluster.fork({ NODE_INSTANCE: String(i) });
} else {
  const instance = process.env.NODE_INSTANCE || "-";
  http.createServer((req, res) => {
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
  }).listen(port, "127.0.0.1");
}
