// The two Auto Scaling calls the router makes to start a model that has no server (Query API,
// version 2011-01-01, form-encoded POST, XML answers), signed with SigV4 like the SSM calls: no AWS
// SDK in the bundle.
import { signedPost } from "./signed-post";
import { AwsCredentials } from "./sigv4";
import { at, child, parseXml, XmlElement } from "./xml";

/** Where and as whom to call Auto Scaling. */
export interface AutoScalingTarget {
  readonly region: string;
  readonly credentials: AwsCredentials;
  /** Default `https://autoscaling.<region>.amazonaws.com`; AWS_ENDPOINT_URL_AUTO_SCALING, or a fake in tests. */
  readonly endpoint?: URL;
  /** How long one call may take. */
  readonly timeoutMs: number;
  readonly now?: () => number;
}

/** Auto Scaling answered with an error (access denied, a validation error, throttling, ...). */
export class AutoScalingError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

/** The sizes of a group, as DescribeAutoScalingGroups tells them. */
export interface GroupSizes {
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredCapacity: number;
}

/** `https://autoscaling.<region>.amazonaws.com` (`.com.cn` in the China regions), or the override. */
export function autoScalingEndpoint(region: string, override?: URL): URL {
  return override ?? new URL(`https://autoscaling.${region}.amazonaws.com${region.startsWith("cn-") ? ".cn" : ""}`);
}

/** RFC 3986 form encoding, as SigV4 signs it. */
const encode = (text: string) => encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** One Query API action; resolves with the answer's root element, rejects with AutoScalingError or a network error. */
async function callAutoScaling(target: AutoScalingTarget, action: string, params: Record<string, string>): Promise<XmlElement> {
  const body = Object.entries({ Action: action, Version: "2011-01-01", ...params })
    .map(([name, value]) => `${encode(name)}=${encode(value)}`)
    .join("&");
  const { status, text } = await signedPost({
    endpoint: autoScalingEndpoint(target.region, target.endpoint),
    region: target.region,
    service: "autoscaling",
    credentials: target.credentials,
    headers: { "content-type": "application/x-www-form-urlencoded; charset=utf-8" },
    body,
    timeoutMs: target.timeoutMs,
    // a group's description is a few KB; a runaway answer is cut
    maxAnswerBytes: 1024 * 1024,
    now: target.now,
  });
  let root: XmlElement | undefined;
  try {
    root = parseXml(text);
  } catch {
    // reported below with the status
  }
  if (status === 200 && root !== undefined) return root;
  const error = at(root, "Error");
  const code = child(error, "Code")?.text.trim() ?? "";
  const message = child(error, "Message")?.text.trim() ?? text.slice(0, 200);
  throw new AutoScalingError(code, `${status} ${code || "error"}: ${message}`);
}

const whole = (element: XmlElement | undefined, name: string): number => {
  const text = element === undefined ? "" : element.text.trim();
  if (!/^[0-9]+$/.test(text)) throw new AutoScalingError("", `200 with no whole ${name} in the group's description`);
  return Number(text);
};

/** The group's sizes; AutoScalingError when there is no such group (or it cannot be read). */
export async function describeGroupSizes(target: AutoScalingTarget, group: string): Promise<GroupSizes> {
  const root = await callAutoScaling(target, "DescribeAutoScalingGroups", { "AutoScalingGroupNames.member.1": group });
  const groups = at(root, "DescribeAutoScalingGroupsResult", "AutoScalingGroups");
  const found = groups?.children.find((m) => m.name === "member" && child(m, "AutoScalingGroupName")?.text.trim() === group);
  if (found === undefined) throw new AutoScalingError("", `no Auto Scaling group named ${group}`);
  return {
    minSize: whole(child(found, "MinSize"), "MinSize"),
    maxSize: whole(child(found, "MaxSize"), "MaxSize"),
    desiredCapacity: whole(child(found, "DesiredCapacity"), "DesiredCapacity"),
  };
}

/** Sets the group's desired capacity (cooldowns not honoured: a start from zero must not wait on one). */
export async function setDesiredCapacity(target: AutoScalingTarget, group: string, capacity: number): Promise<void> {
  await callAutoScaling(target, "SetDesiredCapacity", { AutoScalingGroupName: group, DesiredCapacity: String(capacity), HonorCooldown: "false" });
}
