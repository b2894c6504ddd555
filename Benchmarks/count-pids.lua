-- wrk script for the cluster-mode benchmark (Benchmarks/bench.py): counts responses by the pid
-- in the body ("pid X ..."), and by status, in every wrk thread; prints "PID <pid> <count>" and
-- "STATUS <code> <count>" lines at the end.
pids = {}
statuses = {}
local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   local pid = body and body:match("pid (%d+)")
   if pid then
      pids[pid] = (pids[pid] or 0) + 1
   end
end

function done(summary, latency, requests)
   for _, thread in ipairs(threads) do
      for pid, n in pairs(thread:get("pids")) do
         io.write(string.format("PID %s %d\n", pid, n))
      end
      for code, n in pairs(thread:get("statuses")) do
         io.write(string.format("STATUS %s %d\n", tostring(code), n))
      end
   end
end
