// curl's loopback GETs, for the curl stand-in: `fake-http-get <fail 0|1> <out file or -> <url> <max seconds>`.
// Prints the body (or writes it to the file); fails as curl does: 7 when nothing listens, 22 for a
// status of 400 or more with --fail, 28 when the answer takes longer than --max-time.
"use strict";
const fs = require("fs");
const http = require("http");
const [fail, out, url, maxTime] = process.argv.slice(2);
const u = new URL(url);
const req = http.get(url, { timeout: Number(maxTime || 30) * 1000 }, (res) => {
  const chunks = [];
  res.on("data", (c) => chunks.push(c));
  res.on("end", () => {
    if (fail === "1" && res.statusCode >= 400) {
      process.stderr.write(`curl: (22) The requested URL returned error: ${res.statusCode}\n`);
      process.exit(22);
    }
    const body = Buffer.concat(chunks);
    if (out === "-") process.stdout.write(body);
    else if (out !== "/dev/null") fs.writeFileSync(out, body);
    process.exit(0);
  });
});
req.on("timeout", () => {
  process.stderr.write(`curl: (28) Operation timed out after ${Number(maxTime || 30) * 1000} milliseconds with 0 bytes received\n`);
  process.exit(28);
});
req.on("error", () => {
  process.stderr.write(`curl: (7) Failed to connect to ${u.hostname} port ${u.port || 80} after 0 ms: Couldn't connect to server\n`);
  process.exit(7);
});
