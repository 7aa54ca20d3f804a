// Stand-in for the CloudWatch agent's control script, /opt/aws/amazon-cloudwatch-agent/bin/
// amazon-cloudwatch-agent-ctl (the harness writes node's path in the first line). As the real one
// (packaging/dependencies/amazon-cloudwatch-agent-ctl of aws/amazon-cloudwatch-agent):
// - `-a fetch-config -m ec2 -c file:<path> [-s]` reads the JSON file, validates it, saves it as
//   etc/amazon-cloudwatch-agent.d/file_<name> and removes every other configuration there (a fetch
//   replaces, an append would add), then with -s stops and starts the agent's unit through
//   systemctl (daemon-reload, enable, restart);
// - a configuration the agent's schema refuses fails with exit 1 and the validation's message;
// - `-a status` prints the agent's status as JSON.
// The validation covers what the agent documents for the sections a configuration of ours uses:
// known top-level sections; metrics.namespace 1-255 characters; append_dimensions only the four
// ${aws:...} values the agent fills in; aggregation_dimensions 1-1024 distinct lists of up to 30
// distinct dimension names (1-1024 characters); metrics_collected.nvidia_gpu's measurements among the
// nvidia_smi fields the agent collects; logs.logs_collected.files.collect_list entries with a
// file_path, names of 1-512 characters, a known timezone and retention, no other keys.
// Every call is recorded in /run/ollama-fleet-test/calls.log.
"use strict";
const { spawnSync } = require("child_process");
const fs = require("fs");
const path = require("path");

const AGENT_DIR = "/opt/aws/amazon-cloudwatch-agent";
const JSON_DIR = `${AGENT_DIR}/etc/amazon-cloudwatch-agent.d`;
const TOML = `${AGENT_DIR}/etc/amazon-cloudwatch-agent.toml`;
const UNIT = "amazon-cloudwatch-agent";

const TOP_LEVEL = ["agent", "metrics", "logs", "traces", "opentelemetry"];
const APPEND_DIMENSIONS = {
  ImageId: "${aws:ImageId}",
  InstanceId: "${aws:InstanceId}",
  InstanceType: "${aws:InstanceType}",
  AutoScalingGroupName: "${aws:AutoScalingGroupName}",
};
/** What the agent's nvidia_gpu plugin collects (AWS: "Collect NVIDIA GPU metrics"). */
const NVIDIA_MEASUREMENTS = [
  "utilization_gpu", "temperature_gpu", "power_draw", "utilization_memory", "fan_speed", "memory_total", "memory_used",
  "memory_free", "pcie_link_gen_current", "pcie_link_width_current", "encoder_stats_session_count",
  "encoder_stats_average_fps", "encoder_stats_average_latency", "clocks_current_graphics", "clocks_current_sm",
  "clocks_current_memory", "clocks_current_video",
];
const FILE_KEYS = [
  "file_path", "log_group_name", "log_stream_name", "log_group_class", "multi_line_start_pattern", "timestamp_format",
  "timezone", "trim_timestamp", "encoding", "auto_removal", "backpressure_mode", "blacklist", "publish_multi_logs",
  "retention_in_days", "filters",
];
const RETENTION_DAYS = [-1, 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

function record(args) {
  try {
    fs.appendFileSync("/run/ollama-fleet-test/calls.log", `amazon-cloudwatch-agent-ctl ${args.join(" ")}\n`);
  } catch {
    // outside a scenario there is no log of calls
  }
}

const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v, min, max) => typeof v === "string" && v.length >= min && v.length <= max;

/** The schema's complaints about `config`, as "<path>: <problem>" lines. */
function problems(config) {
  const found = [];
  if (!isObject(config)) return ["(root): Invalid type. Expected: object"];
  for (const key of Object.keys(config)) if (!TOP_LEVEL.includes(key)) found.push(`(root): Additional property ${key} is not allowed`);
  const metrics = config.metrics;
  if (metrics !== undefined) {
    if (!isObject(metrics.metrics_collected) || Object.keys(metrics.metrics_collected).length === 0) found.push("metrics: metrics_collected is required");
    if (metrics.namespace !== undefined && !text(metrics.namespace, 1, 255)) found.push("metrics.namespace: String length must be 1-255");
    for (const [key, value] of Object.entries(metrics.append_dimensions ?? {})) {
      if (APPEND_DIMENSIONS[key] !== value) found.push(`metrics.append_dimensions.${key}: only ${JSON.stringify(APPEND_DIMENSIONS)} are supported`);
    }
    const rollups = metrics.aggregation_dimensions;
    if (rollups !== undefined) {
      const distinct = (list) => new Set(list.map((v) => JSON.stringify(v))).size === list.length;
      if (!Array.isArray(rollups) || rollups.length < 1 || rollups.length > 1024 || !distinct(rollups)) {
        found.push("metrics.aggregation_dimensions: Must be an array of 1-1024 unique items");
      }
      for (const [i, set] of (Array.isArray(rollups) ? rollups : []).entries()) {
        if (!Array.isArray(set) || set.length > 30 || !distinct(set) || !set.every((d) => text(d, 1, 1024))) {
          found.push(`metrics.aggregation_dimensions.${i}: Must be an array of at most 30 unique strings of 1-1024 characters`);
        }
      }
    }
    const gpu = metrics.metrics_collected?.nvidia_gpu;
    if (gpu !== undefined) {
      if (!Array.isArray(gpu.measurement) || gpu.measurement.length === 0) found.push("metrics.metrics_collected.nvidia_gpu: measurement is required");
      for (const m of gpu.measurement ?? []) {
        const name = typeof m === "string" ? m : m?.name;
        if (!NVIDIA_MEASUREMENTS.includes(name)) found.push(`metrics.metrics_collected.nvidia_gpu.measurement: ${JSON.stringify(name)} is not an nvidia_gpu metric`);
      }
      const interval = gpu.metrics_collection_interval;
      if (interval !== undefined && !(Number.isInteger(interval) && interval >= 1 && interval <= 172800)) {
        found.push("metrics.metrics_collected.nvidia_gpu.metrics_collection_interval: Must be an integer from 1 to 172800");
      }
    }
  }
  const logs = config.logs;
  if (logs !== undefined) {
    const collected = logs.logs_collected;
    if (!isObject(collected) || Object.keys(collected).length === 0) found.push("logs.logs_collected: Must have at least 1 properties");
    const list = collected?.files?.collect_list;
    if (collected?.files !== undefined && (!Array.isArray(list) || list.length === 0)) found.push("logs.logs_collected.files.collect_list: Array must have at least 1 items");
    for (const [i, entry] of (Array.isArray(list) ? list : []).entries()) {
      const at = `logs.logs_collected.files.collect_list.${i}`;
      for (const key of Object.keys(entry)) if (!FILE_KEYS.includes(key)) found.push(`${at}: Additional property ${key} is not allowed`);
      if (!text(entry.file_path, 1, 4096)) found.push(`${at}: file_path is required`);
      for (const key of ["log_group_name", "log_stream_name"]) {
        if (entry[key] !== undefined && !text(entry[key], 1, 512)) found.push(`${at}.${key}: String length must be 1-512`);
      }
      if (entry.timezone !== undefined && !["Local", "LOCAL", "UTC"].includes(entry.timezone)) found.push(`${at}.timezone: must be one of Local, LOCAL, UTC`);
      if (entry.retention_in_days !== undefined && !RETENTION_DAYS.includes(entry.retention_in_days)) found.push(`${at}.retention_in_days: must be one of ${RETENTION_DAYS.join(", ")}`);
    }
  }
  return found;
}

function systemctl(...args) {
  const run = spawnSync("systemctl", args, { encoding: "utf8" });
  return run.status === 0;
}

function fetchConfig(location, restart) {
  console.log("****** processing amazon-cloudwatch-agent ******");
  if (!location.startsWith("file:")) {
    console.log(`location type ${location.split(":")[0]} is not supported by this stand-in`);
    process.exit(1);
  }
  const file = location.slice("file:".length);
  let config;
  try {
    config = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    console.log(`Cannot access ${file}: ${e.code === "ENOENT" ? "no such file or directory" : e.message}`);
    process.exit(1);
  }
  const found = problems(config);
  if (found.length > 0) {
    console.log("Configuration validation first phase failed. Agent version: 1.0. Verify the JSON input is only using features supported by this version.");
    for (const line of found) console.log(line);
    process.exit(1);
  }
  fs.mkdirSync(JSON_DIR, { recursive: true });
  for (const other of fs.readdirSync(JSON_DIR)) fs.rmSync(path.join(JSON_DIR, other));
  const saved = path.join(JSON_DIR, `file_${path.basename(file)}`);
  fs.copyFileSync(file, saved);
  fs.writeFileSync(TOML, `# translated from ${saved}\n`);
  console.log(`Successfully fetched the config and saved in ${saved}`);
  console.log("Configuration validation first phase succeeded");
  console.log("Configuration validation second phase succeeded");
  console.log("Configuration validation succeeded");
  if (restart) {
    if (!(systemctl("stop", `${UNIT}.service`) && systemctl("daemon-reload") && systemctl("enable", `${UNIT}.service`) && systemctl("restart", `${UNIT}.service`))) {
      console.log(`systemctl could not start ${UNIT}`);
      process.exit(1);
    }
  }
}

const args = process.argv.slice(2);
record(args);
const option = (flag) => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
const action = option("-a");
if (action === "fetch-config") fetchConfig(option("-c") ?? "default", args.includes("-s"));
else if (action === "status") {
  const running = systemctl("is-active", "--quiet", `${UNIT}.service`);
  console.log(JSON.stringify({ status: running ? "running" : "stopped", starttime: "", configstatus: fs.existsSync(TOML) ? "configured" : "not configured", version: "1.0" }, null, 2));
} else {
  console.log(`action ${action} is not supported by this stand-in`);
  process.exit(1);
}
