// Checks a log line against the CloudWatch Embedded Metric Format specification (AWS CloudWatch
// User Guide, "Specification: Embedded metric format"): the rules below are the specification's,
// written out as code. Returns the problems found; none means valid.

const UNITS = new Set([
  "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
  "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
  "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
  "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
]);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isNumber = (v: unknown) => typeof v === "number" && Number.isFinite(v);
const extra = (o: Record<string, unknown>, allowed: string[]) => Object.keys(o).filter((k) => !allowed.includes(k));

export function emfProblems(line: string): string[] {
  const problems: string[] = [];
  if (Buffer.byteLength(line) > 256 * 1024) problems.push("document larger than 256 KB");
  let root: unknown;
  try {
    root = JSON.parse(line);
  } catch {
    return ["not a JSON document"];
  }
  if (!isObject(root)) return ["root is not an object"];
  const aws = root._aws;
  if (!isObject(aws)) return ["_aws is missing or not an object"];
  for (const k of extra(aws, ["CloudWatchMetrics", "Timestamp"])) problems.push(`_aws has a member the specification does not define: ${k}`);
  if (!Number.isInteger(aws.Timestamp) || (aws.Timestamp as number) < 1e12) problems.push("_aws.Timestamp is not milliseconds since the epoch");
  if (!Array.isArray(aws.CloudWatchMetrics)) return [...problems, "_aws.CloudWatchMetrics is not an array"];
  aws.CloudWatchMetrics.forEach((d: unknown, i: number) => {
    const at = `CloudWatchMetrics[${i}]`;
    if (!isObject(d)) {
      problems.push(`${at} is not an object`);
      return;
    }
    for (const k of extra(d, ["Namespace", "Dimensions", "Metrics"])) problems.push(`${at} has an undefined member ${k}`);
    if (typeof d.Namespace !== "string" || d.Namespace.length < 1 || d.Namespace.length > 255) problems.push(`${at}.Namespace is not a 1-255 character string`);
    if (!Array.isArray(d.Dimensions) || d.Dimensions.length < 1) problems.push(`${at}.Dimensions is not a non-empty array of dimension sets`);
    else
      d.Dimensions.forEach((set: unknown, j: number) => {
        if (!Array.isArray(set) || set.length > 9) {
          problems.push(`${at}.Dimensions[${j}] is not an array of at most 9 keys`);
          return;
        }
        for (const key of set) {
          if (typeof key !== "string" || key.length < 1 || key.length > 255) problems.push(`${at}.Dimensions[${j}] has a key that is not a 1-255 character string`);
          else if (typeof root[key] !== "string") problems.push(`dimension ${key} is not a string member of the root`);
        }
      });
    if (!Array.isArray(d.Metrics) || d.Metrics.length > 100) {
      problems.push(`${at}.Metrics is not an array of at most 100 definitions`);
      return;
    }
    d.Metrics.forEach((m: unknown, j: number) => {
      if (!isObject(m)) {
        problems.push(`${at}.Metrics[${j}] is not an object`);
        return;
      }
      for (const k of extra(m, ["Name", "Unit"])) problems.push(`${at}.Metrics[${j}] has an undefined member ${k}`);
      if (typeof m.Name !== "string" || m.Name.length < 1 || m.Name.length > 255) {
        problems.push(`${at}.Metrics[${j}].Name is not a 1-255 character string`);
        return;
      }
      const target = root[m.Name];
      const numeric = isNumber(target) || (Array.isArray(target) && target.length <= 100 && target.every(isNumber));
      if (!numeric) problems.push(`metric ${m.Name} has no numeric member on the root`);
      if (m.Unit !== undefined && !UNITS.has(m.Unit as string)) problems.push(`metric ${m.Name} has unit ${String(m.Unit)}, not a CloudWatch unit`);
    });
  });
  return problems;
}
