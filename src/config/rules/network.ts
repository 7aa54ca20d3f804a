import {
  ALB_LISTENER_PORT,
  AZ_PATTERN,
  CIDR_PATTERN,
  eachItem,
  Finding,
  hclMatches,
  hclWhole,
  isIpv4Network,
  matches,
  MAX_PREFIX_LENGTH,
  PREFIX_PATTERN,
  REGION_ZONES_DATA,
  Rule,
  SUBNET_PATTERN,
  valueRule,
  VPC_PATTERN,
  whole,
  zoneOfRegion,
} from "./kit";

/** Where the service lives: the ports the ALB opens, zones, subnets, the VPC, the name prefix. */
export const networkRules: readonly Rule[] = [
  valueRule(
    "open-webui-port",
    "open_webui_port",
    `is not a usable ALB port (0 for none, else 1-65535 other than ${ALB_LISTENER_PORT}, which the ALB already opens)`,
    `use 0, or a whole number from 1 to 65535 other than ${ALB_LISTENER_PORT}, e.g. 8080`,
    (p: number) => whole(p, 0, 65535) && p !== ALB_LISTENER_PORT,
    (v) => `${hclWhole(v, 0, 65535)} && ${v} != ${ALB_LISTENER_PORT}`
  ),
  eachItem("az", "azs", "is not an availability zone name", 'use a name such as "ap-southeast-1a"', AZ_PATTERN),
  {
    id: "az-in-region",
    problem: "is not an availability zone of the region (every subnet, server and the ALB live in that region)",
    fix: "list zones of the deployment's region in the order of subnet_ids (ap-southeast-1a for ap-southeast-1), or deploy to the subnets' region",
    // The stack knows its region: a regional zone is its name plus one letter. The module asks AWS.
    find: (inputs) =>
      inputs.region === undefined
        ? []
        : inputs.azs.flatMap(
            (z, i): Finding[] =>
              matches(AZ_PATTERN, z) && !(z.startsWith(inputs.region!) && /^[a-z]$/.test(z.slice(inputs.region!.length)))
                ? [[`azs[${i}]`, z, `region ${inputs.region}`]]
                : []
          ),
    hcl: {
      condition: `alltrue([for z in var.azs : ${zoneOfRegion("z")}])`,
      offenders: `[for i, z in var.azs : format("azs[%d] = %s (zones of this region: %s)", i, jsonencode(z), join(", ", data.aws_availability_zones.${REGION_ZONES_DATA}.names)) if !${zoneOfRegion(
        "z"
      )}]`,
    },
  },
  eachItem("subnet-id", "subnet_ids", "is not a subnet id", 'use an id such as "subnet-0a1b2c3d4e5f67890"', SUBNET_PATTERN),
  valueRule(
    "subnet-count",
    "subnet_ids",
    "must list at least two distinct subnets (an ALB needs subnets in two availability zones)",
    "list two or more private subnets, each in its own availability zone",
    (s: string[]) => s.length >= 2 && new Set(s).size === s.length,
    (v) => `length(${v}) >= 2 && length(distinct(${v})) == length(${v})`
  ),
  valueRule(
    "az-distinct",
    "azs",
    "must not repeat a zone (one subnet per zone: an ALB takes one subnet per availability zone)",
    "list each zone once, in the order of subnet_ids",
    (a: string[]) => new Set(a).size === a.length,
    (v) => `length(distinct(${v})) == length(${v})`
  ),
  {
    id: "az-subnet-pairs",
    problem: "must pair with subnet_ids: both lists have the same length (the n-th zone is the zone of the n-th subnet)",
    fix: "give one zone per subnet, in the same order; models beyond the pairs wrap around",
    find: (inputs) => (inputs.azs.length === inputs.subnet_ids.length ? [] : [["azs", inputs.azs]]),
    hcl: {
      condition: `length(var.azs) == length(var.subnet_ids)`,
      offenders: `[format("azs has %d entries, subnet_ids %d", length(var.azs), length(var.subnet_ids))]`,
    },
  },
  valueRule(
    "vpc-id",
    "vpc_id",
    "is not a VPC id",
    'use an id such as "vpc-0a1b2c3d4e5f67890"',
    (v) => matches(VPC_PATTERN, v),
    (v) => hclMatches(VPC_PATTERN, v)
  ),
  valueRule(
    "vpc-cidr",
    "vpc_cidr_block",
    "is not an IPv4 network in CIDR notation",
    'give the VPC\'s network address and prefix length, e.g. "172.31.0.0/16"',
    (v) => isIpv4Network(v),
    (v) => `${hclMatches(CIDR_PATTERN, v)} && can(cidrsubnet(${v}, 0, 0)) && try(cidrsubnet(${v}, 0, 0) == ${v}, false)`
  ),
  valueRule(
    "prefix",
    "prefix",
    `is not a usable name prefix (1-${MAX_PREFIX_LENGTH} letters, digits and hyphens, no hyphen at either end, not starting with "internal" or "sg-")`,
    `shorten or rename it, e.g. "llm"; "<prefix>-alb" must fit the 32-character load balancer name`,
    (p: string) => matches(PREFIX_PATTERN, p) && p.length <= MAX_PREFIX_LENGTH && !/^(internal|sg-)/i.test(p),
    (v) => `${hclMatches(PREFIX_PATTERN, v)} && length(${v}) <= ${MAX_PREFIX_LENGTH} && !can(regex("^(?i)(internal|sg-)", ${v}))`
  ),
];
