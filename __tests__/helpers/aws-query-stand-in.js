// A local stand-in for the AWS APIs a plan of llm-service reads: STS GetCallerIdentity (the
// provider's credential check), EC2 DescribeImages, DescribeAvailabilityZones and
// DescribeInstanceTypeOfferings (the AMI, zone and offering look-ups), and, with the router on,
// Service Quotas GetAWSDefaultServiceQuota and GetServiceQuota (the account's Lambda concurrency
// quota). It answers as the real services do (XML for the query APIs, JSON 1.1 for Service Quotas),
// logs every request as a JSON line, and refuses (and logs) anything else, including proxy requests
// for other hosts. Plain JavaScript, so the tests can start it in a network namespace of its own
// next to cdktf.
//
//   node aws-query-stand-in.js <port file> <log file>
//
// It listens on 127.0.0.1 on a free port, writes the port to <port file>, and stops by itself
// after 10 minutes.
"use strict";
const fs = require("fs");
const http = require("http");

const [portFile, logFile] = process.argv.slice(2);
const ACCOUNT = "123456789012";
/** The quotas the stand-in knows, by `<service code>/<quota code>`: AWS's defaults (an account that never asked for more). */
const QUOTAS = {
  "lambda/L-B99A9384": {
    ServiceName: "AWS Lambda",
    QuotaName: "Concurrent executions",
    Value: 1000,
    Unit: "None",
    Adjustable: true,
    GlobalQuota: false,
    UsageMetric: {
      MetricNamespace: "AWS/Lambda",
      MetricName: "ConcurrentExecutions",
      MetricDimensions: { Class: "None", Resource: "ConcurrentExecutions", Service: "Lambda", Type: "Resource" },
      MetricStatisticRecommendation: "Maximum",
    },
  },
};

const log = (entry) => fs.appendFileSync(logFile, JSON.stringify(entry) + "\n");
const escape = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const requestId = () => "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

/** Filter.N.Name / Filter.N.Value.M of an EC2 query, as name -> values. */
function filters(params) {
  const result = {};
  for (const [key, value] of params) {
    const m = /^Filter\.(\d+)\.Name$/.exec(key);
    if (!m) continue;
    result[value] = [...params].filter(([k]) => k.startsWith(`Filter.${m[1]}.Value.`)).map(([, v]) => v);
  }
  return result;
}

function image(architecture) {
  const arm = architecture === "arm64";
  const name = arm
    ? "Deep Learning ARM64 AMI OSS Nvidia Driver GPU PyTorch 2.7 (Amazon Linux 2023) 20250920"
    : "Deep Learning OSS Nvidia Driver AMI GPU PyTorch 2.7 (Amazon Linux 2023) 20250920";
  const id = arm ? "ami-0a1b2c3d4e5f60718" : "ami-0f1e2d3c4b5a69788";
  return `    <item>
      <imageId>${id}</imageId>
      <imageLocation>amazon/${escape(name)}</imageLocation>
      <imageState>available</imageState>
      <imageOwnerId>898082745236</imageOwnerId>
      <creationDate>2025-09-20T08:41:36.000Z</creationDate>
      <isPublic>true</isPublic>
      <architecture>${architecture}</architecture>
      <imageType>machine</imageType>
      <imageOwnerAlias>amazon</imageOwnerAlias>
      <name>${escape(name)}</name>
      <description>Supported EC2 instances: G4dn, G5, G5g, G6, Gr6, G6e, P4, P5. PyTorch 2.7, NVIDIA driver 570</description>
      <rootDeviceType>ebs</rootDeviceType>
      <rootDeviceName>/dev/xvda</rootDeviceName>
      <blockDeviceMapping>
        <item>
          <deviceName>/dev/xvda</deviceName>
          <ebs>
            <snapshotId>snap-0123456789abcdef${arm ? "0" : "1"}</snapshotId>
            <volumeSize>75</volumeSize>
            <deleteOnTermination>true</deleteOnTermination>
            <volumeType>gp3</volumeType>
            <iops>3000</iops>
            <throughput>125</throughput>
            <encrypted>false</encrypted>
          </ebs>
        </item>
      </blockDeviceMapping>
      <virtualizationType>hvm</virtualizationType>
      <hypervisor>xen</hypervisor>
      <enaSupport>true</enaSupport>
      <sriovNetSupport>simple</sriovNetSupport>
      <bootMode>${arm ? "uefi" : "uefi-preferred"}</bootMode>
      <platformDetails>Linux/UNIX</platformDetails>
      <usageOperation>RunInstances</usageOperation>
      <imdsSupport>v2.0</imdsSupport>
    </item>
`;
}

/** `ap-southeast-1` -> `apse1`, as AWS's zone ids begin. */
function zoneIdPrefix(region) {
  const [area, direction, number] = region.split("-");
  const short = { north: "n", south: "s", east: "e", west: "w", central: "c", northeast: "ne", northwest: "nw", southeast: "se", southwest: "sw" };
  return `${area}${short[direction] ?? direction}${number}`;
}

function answer(action, params, region) {
  if (action === "GetCallerIdentity") {
    return [
      200,
      `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::${ACCOUNT}:user/offline-plan</Arn>
    <UserId>AIDAOFFLINEPLAN000001</UserId>
    <Account>${ACCOUNT}</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>${requestId()}</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>
`,
    ];
  }
  if (action === "DescribeImages") {
    const wanted = filters(params).architecture ?? ["x86_64", "arm64"];
    return [
      200,
      `<?xml version="1.0" encoding="UTF-8"?>
<DescribeImagesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>${requestId()}</requestId>
  <imagesSet>
${wanted.map(image).join("")}  </imagesSet>
</DescribeImagesResponse>
`,
    ];
  }
  if (action === "DescribeAvailabilityZones") {
    const zones = ["a", "b", "c"].map(
      (letter, i) => `    <item>
      <zoneName>${region}${letter}</zoneName>
      <zoneState>available</zoneState>
      <regionName>${region}</regionName>
      <zoneId>${zoneIdPrefix(region)}-az${i + 1}</zoneId>
      <zoneType>availability-zone</zoneType>
      <optInStatus>opt-in-not-required</optInStatus>
      <groupName>${region}-zg-1</groupName>
      <networkBorderGroup>${region}</networkBorderGroup>
      <messageSet/>
    </item>
`,
    );
    return [
      200,
      `<?xml version="1.0" encoding="UTF-8"?>
<DescribeAvailabilityZonesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>${requestId()}</requestId>
  <availabilityZoneInfo>
${zones.join("")}  </availabilityZoneInfo>
</DescribeAvailabilityZonesResponse>
`,
    ];
  }
  if (action === "DescribeInstanceTypeOfferings") {
    // Every instance type asked for is offered in the three zones DescribeAvailabilityZones lists
    // (narrowed by a location filter, as the service narrows it); only availability-zone offerings.
    const wanted = filters(params);
    const locationType = params.get("LocationType") ?? "region";
    if (locationType !== "availability-zone") {
      return [400, `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InvalidParameterValue</Code><Message>The stand-in answers LocationType availability-zone only, not ${escape(locationType)}.</Message></Error></Errors><RequestID>${requestId()}</RequestID></Response>
`];
    }
    const zones = ["a", "b", "c"].map((letter) => `${region}${letter}`).filter((zone) => !wanted.location || wanted.location.includes(zone));
    const items = (wanted["instance-type"] ?? []).flatMap((type) =>
      zones.map(
        (zone) => `    <item>
      <instanceType>${escape(type)}</instanceType>
      <locationType>availability-zone</locationType>
      <location>${zone}</location>
    </item>
`,
      ),
    );
    return [
      200,
      `<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstanceTypeOfferingsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>${requestId()}</requestId>
  <instanceTypeOfferingSet>
${items.join("")}  </instanceTypeOfferingSet>
</DescribeInstanceTypeOfferingsResponse>
`,
    ];
  }
  if (action === "GetInstanceUefiData") {
    // The AMI data source asks for a UEFI image's variable store; a public image has none.
    return [
      200,
      `<?xml version="1.0" encoding="UTF-8"?>
<GetInstanceUefiDataResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>${requestId()}</requestId>
  <instanceId>${escape(params.get("InstanceId") ?? "")}</instanceId>
  <uefiData></uefiData>
</GetInstanceUefiDataResponse>
`,
    ];
  }
  return [
    400,
    `<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InvalidAction</Code><Message>The stand-in does not answer ${escape(action)}.</Message></Error></Errors><RequestID>${requestId()}</RequestID></Response>
`,
  ];
}

/**
 * A Service Quotas call (JSON 1.1: `X-Amz-Target: ServiceQuotasV20190624.<operation>`). The default
 * quota's ARN has no account; the applied one's has. A quota the stand-in does not know is
 * `NoSuchResourceException`, as AWS answers for a code it does not have.
 */
function quotaAnswer(operation, input, region) {
  const known = QUOTAS[`${input.ServiceCode}/${input.QuotaCode}`];
  if (!["GetAWSDefaultServiceQuota", "GetServiceQuota"].includes(operation)) {
    return [400, { __type: "UnknownOperationException", message: `The stand-in does not answer ${operation}.` }];
  }
  if (!known) return [400, { __type: "NoSuchResourceException", message: "The request failed because the specified service quota does not exist." }];
  const account = operation === "GetServiceQuota" ? ACCOUNT : "";
  const QuotaArn = `arn:aws:servicequotas:${region}:${account}:${input.ServiceCode}/${input.QuotaCode}`;
  return [200, { Quota: { ServiceCode: input.ServiceCode, QuotaCode: input.QuotaCode, QuotaArn, ...known } }];
}

const server = http.createServer((req, res) => {
  let body = "";
  req.on("data", (chunk) => (body += chunk));
  req.on("end", () => {
    // A proxy request names a host of its own: somebody tried to leave the machine.
    if (/^https?:\/\//.test(req.url ?? "")) {
      log({ proxy: req.url });
      res.writeHead(403).end();
      return;
    }
    // The region the client signed for: `Credential=<key>/<date>/<region>/<service>/aws4_request`.
    const region = /Credential=[^/]+\/\d+\/([a-z0-9-]+)\//.exec(req.headers.authorization ?? "")?.[1] ?? "ap-southeast-1";
    const target = /^ServiceQuotasV20190624\.(\w+)$/.exec(String(req.headers["x-amz-target"] ?? ""));
    if (target) {
      let input = {};
      try {
        input = JSON.parse(body || "{}");
      } catch {
        input = {};
      }
      const [status, json] = quotaAnswer(target[1], input, region);
      log({ action: target[1], status, params: input, host: req.headers.host });
      res.writeHead(status, { "Content-Type": "application/x-amz-json-1.1", "x-amzn-RequestId": requestId() });
      res.end(JSON.stringify(json));
      return;
    }
    const params = new URLSearchParams(body || (req.url ?? "").split("?")[1] || "");
    const action = params.get("Action") ?? "(none)";
    const [status, xml] = answer(action, params, region);
    const other = Object.fromEntries([...params].filter(([k]) => !/^(Action|Version|Filter\.)/.test(k)));
    log({ action, status, filters: filters(params), params: other, host: req.headers.host });
    res.writeHead(status, { "Content-Type": "text/xml;charset=UTF-8", "x-amzn-RequestId": requestId() });
    res.end(xml);
  });
});
server.on("connect", (req, socket) => {
  log({ proxy: `CONNECT ${req.url}` });
  socket.end("HTTP/1.1 403 Forbidden\r\n\r\n");
});
server.listen(0, "127.0.0.1", () => fs.writeFileSync(portFile, String(server.address().port)));
setTimeout(() => process.exit(0), 10 * 60 * 1000).unref();
process.on("SIGTERM", () => process.exit(0));
