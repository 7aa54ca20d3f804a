import { AssetType, Fn, IResolvable, TerraformAsset, Token } from "cdktf";
import { Construct } from "constructs";
import { hclRouterModelItem } from "../../engines";
import {
  AutoscalingGroup,
  CloudwatchLogGroup,
  IamRole,
  IamRolePolicy,
  LambdaFunction,
  LambdaFunctionUrl,
  LambdaPermission,
  Lb,
  SecurityGroup,
  SsmParameter,
  VpcSecurityGroupEgressRule,
  VpcSecurityGroupIngressRule,
} from "../../aws";
import {
  KEYS_PARAMETER_VARIABLE,
  routerEnvironment,
  routerFunctionName,
  routerKeysParameterName,
  routerMetricsNamespace,
  UPSTREAM_TIMEOUT_MARGIN_SECONDS,
  WAKE_GROUPS_VARIABLE,
  WAKE_WAIT_VARIABLE,
} from "../../config/router-environment";
import {
  CORS_ORIGIN_PATTERN,
  LOG_RETENTION_DAYS,
  MAX_CORS_ORIGIN_LENGTH,
  MAX_ROUTER_CONCURRENCY,
  MAX_ROUTER_TIMEOUT_SECONDS,
  ROUTER_AUTH_MODES,
  ROUTER_MEMORY_MB,
} from "../../config/rules";
import { suppressPolicy } from "../../policy/suppressions";
import { DEFAULTS } from "../../router/config";
import { LAMBDA_ARCHITECTURE, LAMBDA_HANDLER, LAMBDA_INVOKE_MODE, LAMBDA_RUNTIME } from "../../router/bundle";
import { hclText } from "../hcl";
import { LISTENER_PORT } from "../internal-alb";
import { ModelTable } from "../model-table";
import { address, moduleFile, only } from "../refs";
import { routerZipFile } from "./router-package";
import { routerDashboardWidgets } from "./router-widgets";

/** Who may call the router: bearer keys checked by the router, or SigV4 checked by the function URL. */
export type RouterAuth = (typeof ROUTER_AUTH_MODES)[number];

/** The API keys parameter's value until keys are added: an empty list, which refuses every request. */
export const EMPTY_KEY_LIST = "[]";

/** What a browser may send across origins: the key, and a JSON body. */
const CORS_ALLOW_HEADERS = ["authorization", "content-type"];
const CORS_ALLOW_METHODS = ["GET", "POST", "DELETE", "HEAD"];
/** Browsers cache a preflight answer this long (the most a function URL allows). */
const CORS_MAX_AGE_SECONDS = 86400;

/** Statement ids of our permissions: not the ones the provider adds itself (FunctionURLAllowPublicAccess, FunctionURLAllowInvokeAction). */
export const URL_PERMISSION_STATEMENT = "RouterPublicFunctionUrl";
export const INVOKE_PERMISSION_STATEMENT = "RouterPublicInvokeFunction";

/** Why the invoke grant is unconditioned, shown at every synth. */
export const PUBLIC_INVOKE_REASON =
  "router_auth API_KEY with router_public_invoke_function: a public function URL also needs lambda:InvokeFunction for everyone, " +
  "which hashicorp/aws before 6.29 cannot limit to calls through the URL; a direct invocation meets the same key check, the " +
  "key list cannot come from the event, and reserved concurrency caps what refused callers can cost (set the input false on 6.29+)";

/** Why the function URL's auth type may be NONE, shown at every synth. */
export const PUBLIC_URL_REASON =
  "router_auth API_KEY: the function URL is public on purpose; the router checks a bearer key (compared with SHA-256 hashes " +
  "from an SSM SecureString) on every invocation before it forwards anything, an empty key list refuses every request, and " +
  "reserved concurrency caps what refused callers can cost";

export interface StreamingRouterProps {
  /** Create the router at all: every resource here has `count` 0 or 1 (addresses end in `[0]`). @default true */
  readonly enabled?: boolean | IResolvable;
  /** Prefix of the names: function `<prefix>-router`, parameter `/<prefix>/router/api-keys`, ... */
  readonly prefix: string;
  /** VPC of the function's security group. */
  readonly vpcId: string;
  /** Private subnets the function runs in (they need a route to SSM with API_KEY). */
  readonly subnetIds: string[];
  /** The internal load balancer: every request goes to `http://<its DNS name>`. */
  readonly loadBalancer: Lb;
  /** Its security group: the function's group sends to it on the listener's port, and it accepts the function's group. */
  readonly albSecurityGroup: SecurityGroup;
  /** The models the router serves (ROUTER_MODELS). */
  readonly models: ModelTable;
  /** @default "API_KEY" */
  readonly auth?: RouterAuth;
  /**
   * With API_KEY, grant `lambda:InvokeFunction` to everyone, unconditioned (hashicorp/aws before 6.29
   * cannot limit it to calls through the URL). @default true
   */
  readonly publicInvokeFunction?: boolean | IResolvable;
  /** @default 900 */
  readonly timeoutSeconds?: number;
  /**
   * The longest silence from a server (ROUTER_IDLE_TIMEOUT_SECONDS): before a streamed answer's first
   * chunk, which comes once the model is loaded, and between chunks; at most `timeoutSeconds` less 5.
   * @default 300
   */
  readonly idleTimeoutSeconds?: number;
  /** @default 256 */
  readonly memoryMb?: number;
  /** The function's reserved concurrency: a cap on concurrent requests and their cost. @default 20 */
  readonly reservedConcurrency?: number;
  /** @default 30 */
  readonly logRetentionDays?: number;
  /** Origins browsers may call from; empty for no CORS. @default [] */
  readonly corsAllowOrigins?: string[];
  /** @default false */
  readonly allowModelManagement?: boolean | IResolvable;
  /**
   * The models' Auto Scaling groups (keyed like the model table): the router may start the groups of
   * the models that scale to zero (`scale_to_zero_after_minutes` in their row), and only those.
   * @default none: no model is started
   */
  readonly groups?: AutoscalingGroup;
  /** Seconds a streamed request for a starting model is held (ROUTER_WAKE_WAIT_SECONDS). @default 0 */
  readonly wakeWaitSeconds?: number;
}

/**
 * The streaming router (src/router) as an AWS Lambda function behind a function URL with response
 * streaming, in the fleet's private subnets: it forwards only the allowlisted calls, reads the model
 * a request names and calls the internal ALB with the routing header (and `redirect_model`), so the
 * listener rules stay the one routing table. With it come
 * its role (its own log group, VPC networking, and with API_KEY `ssm:GetParameter` on the keys),
 * its security group, its log group and, with API_KEY, the SSM SecureString of the key hashes and
 * the function URL's public permissions.
 */
export class StreamingRouter extends Construct {
  public readonly function: LambdaFunction;
  public readonly functionUrl: LambdaFunctionUrl;
  public readonly role: IamRole;
  public readonly securityGroup: SecurityGroup;
  public readonly logGroup: CloudwatchLogGroup;
  /** The key hashes (API_KEY only). */
  public readonly keysParameter: SsmParameter;
  /** Whether the router exists (an HCL operand). */
  public readonly enabled: string;
  /** Whether it checks API keys, i.e. exists with API_KEY (an HCL operand). */
  public readonly checksKeys: string;
  /** The function URL, or null without a router (an HCL operand). */
  public readonly url: string;
  /** The keys parameter's name, or null without one (an HCL operand). */
  public readonly keysParameterName: string;
  /** Whether it starts models at zero, i.e. exists and some model scales to zero (an HCL operand). */
  public readonly wakes: string;
  private readonly names: { readonly functionName: string; readonly namespace: string };
  private readonly reservedConcurrency: string;
  /** `[for i, m in <models> : "<i>:<group>" if it scales to zero]` (an HCL operand), in ROUTER_MODELS order. */
  private readonly wakeEntries: string;

  constructor(scope: Construct, id: string, props: StreamingRouterProps) {
    super(scope, id);
    validate(props);
    const auth = props.auth ?? "API_KEY";
    const prefix = hclText(this, props.prefix);
    this.enabled = hclText(this, props.enabled ?? true);
    this.checksKeys = `(${this.enabled} && ${hclText(this, auth)} == "API_KEY")`;
    const count = Token.asNumber(`\${${this.enabled} ? 1 : 0}`);
    const keysCount = Token.asNumber(`\${${this.checksKeys} ? 1 : 0}`);
    const invokeCount = Token.asNumber(`\${${this.checksKeys} && ${hclText(this, props.publicInvokeFunction ?? true)} ? 1 : 0}`);
    // One spelling of each name: the TypeScript function with a format verb for the prefix.
    const named = (name: (prefix: string) => string) => `format(${JSON.stringify(name("%s"))}, ${prefix})`;
    this.names = { functionName: named(routerFunctionName), namespace: named(routerMetricsNamespace) };
    // values() iterates the models in the order of ROUTER_MODELS (the keys' order), so i is the index there
    this.wakeEntries =
      props.groups === undefined
        ? "[]"
        : `[for i, m in values(${props.models.modelsOperand}) : format("%d:%s", i, m.group_name) if m.server_mode == "asg" && m.scale_to_zero_after_minutes != null]`;
    this.wakes = `(${this.enabled} && length(${this.wakeEntries}) > 0)`;
    const functionName = Token.asString(`\${${this.names.functionName}}`);
    const timeout = props.timeoutSeconds ?? MAX_ROUTER_TIMEOUT_SECONDS;
    this.reservedConcurrency = hclText(this, props.reservedConcurrency ?? 20);

    this.logGroup = new CloudwatchLogGroup(this, "logs", {
      count,
      name: Token.asString(`\${format("/aws/lambda/%s", ${this.names.functionName})}`),
      retentionInDays: props.logRetentionDays ?? 30,
    });
    this.logGroup.overrideLogicalId("router");

    this.keysParameter = new SsmParameter(this, "keys", {
      count: keysCount,
      name: Token.asString(`\${${named(routerKeysParameterName)}}`),
      description: "API keys of the streaming router: a JSON list of {name, sha256} (npm run keys prints the command that sets it)",
      type: "SecureString",
      value: EMPTY_KEY_LIST,
      // The keys are set outside Terraform (aws ssm put-parameter), and must stay out of its state;
      // a long list may move the parameter to the Advanced tier (more than 4 KB) on the way.
      lifecycle: { ignoreChanges: ["value", "tier"] },
    });
    this.keysParameter.overrideLogicalId("router_keys");

    this.role = new IamRole(this, "role", {
      count,
      name: `${props.prefix}-router-iamr`,
      description: "The streaming router function: its log group, its network interfaces, and the API keys parameter",
      assumeRolePolicy: Token.asString(
        `\${jsonencode({ Version = "2012-10-17", Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }] })}`,
      ),
    });
    this.role.overrideLogicalId("router");
    const rolePolicy = this.addRolePolicy(count, props.prefix, props.groups, props.models);

    this.securityGroup = new SecurityGroup(this, "sg", {
      count,
      name: `${props.prefix}-router-sg`,
      description: "Security group of the streaming router function",
      vpcId: props.vpcId,
    });
    this.securityGroup.overrideLogicalId("router");
    this.addNetworkRules(count, props.albSecurityGroup);

    const zip = new TerraformAsset(this, "package", { path: routerZipFile(), type: AssetType.FILE });
    const environment = this.environment(props, timeout);
    this.function = new LambdaFunction(this, "function", {
      count,
      functionName,
      description: "Streaming router of the Ollama fleet: routes each request by model to the internal ALB and streams the answer back",
      role: only(this.role, "arn"),
      runtime: LAMBDA_RUNTIME,
      architectures: [LAMBDA_ARCHITECTURE],
      handler: LAMBDA_HANDLER,
      filename: moduleFile(zip),
      sourceCodeHash: Fn.filebase64sha256(moduleFile(zip)),
      timeout,
      memorySize: props.memoryMb ?? 256,
      reservedConcurrentExecutions: props.reservedConcurrency ?? 20,
      vpcConfig: { subnetIds: props.subnetIds, securityGroupIds: [only(this.securityGroup, "id")] },
      environment: { variables: Token.asStringMap(`\${${environment}}`) },
      // The log group before the first invocation (Lambda would create one without retention); the
      // role's network permissions before creation (Lambda checks them when it attaches the VPC).
      dependsOn: [this.logGroup, rolePolicy],
    });
    this.function.overrideLogicalId("router");

    this.functionUrl = new LambdaFunctionUrl(this, "url", {
      count,
      functionName: only(this.function, "function_name"),
      authorizationType: Token.isUnresolved(auth) ? Token.asString(`\${${hclText(this, auth)} == "AWS_IAM" ? "AWS_IAM" : "NONE"}`) : auth === "AWS_IAM" ? "AWS_IAM" : "NONE",
      invokeMode: LAMBDA_INVOKE_MODE,
    });
    this.functionUrl.overrideLogicalId("router");
    this.addCors(props.corsAllowOrigins ?? []);
    if (Token.isUnresolved(auth) || auth !== "AWS_IAM") suppressPolicy(this.functionUrl, "lambda-url-auth", PUBLIC_URL_REASON);

    // A public URL needs both actions in the function's policy (since October 2025). The provider
    // adds its own statements when it creates a URL with auth NONE; these are ours, so the plan shows
    // them and a switch of router_auth in place adds or removes them.
    const urlPermission = new LambdaPermission(this, "url_permission", {
      count: keysCount,
      statementId: URL_PERMISSION_STATEMENT,
      action: "lambda:InvokeFunctionUrl",
      functionName: only(this.function, "function_name"),
      principal: "*",
      functionUrlAuthType: "NONE",
    });
    urlPermission.overrideLogicalId("router_url");
    suppressPolicy(urlPermission, "lambda-permission-public", PUBLIC_URL_REASON);
    const invokePermission = new LambdaPermission(this, "invoke_permission", {
      count: invokeCount,
      statementId: INVOKE_PERMISSION_STATEMENT,
      action: "lambda:InvokeFunction",
      functionName: only(this.function, "function_name"),
      principal: "*",
    });
    invokePermission.overrideLogicalId("router_invoke");
    suppressPolicy(invokePermission, "lambda-permission-public", PUBLIC_INVOKE_REASON);

    this.url = `(${this.enabled} ? ${address(this.functionUrl)}[0].function_url : null)`;
    this.keysParameterName = `(${this.checksKeys} ? ${address(this.keysParameter)}[0].name : null)`;
  }

  /** The router's dashboard widgets in `region` (an HCL operand), as an HCL list operand: empty without a router. */
  public dashboardWidgets(region: string): string {
    return routerDashboardWidgets({
      enabled: this.enabled,
      namespace: this.names.namespace,
      functionName: this.names.functionName,
      region,
      reservedConcurrency: this.reservedConcurrency,
    });
  }

  /** The function's environment (src/router/lambda-env.ts), as an HCL map operand. */
  private environment(props: StreamingRouterProps, timeout: number): string {
    const timeoutText = hclText(this, timeout);
    const values = {
      albUrl: `format("http://%s", ${address(props.loadBalancer)}.dns_name)`,
      models: `join(",", [for k, m in ${props.models.modelsOperand} : ${hclRouterModelItem("m")}])`,
      authMode: hclText(this, props.auth ?? "API_KEY"),
      allowModelManagement: `tostring(${hclText(this, props.allowModelManagement ?? false)})`,
      metricsNamespace: this.names.namespace,
      // the twins of routerUpstreamTimeoutSeconds and routerIdleTimeoutSeconds
      upstreamTimeoutSeconds: `tostring(max(1, ${timeoutText} - ${UPSTREAM_TIMEOUT_MARGIN_SECONDS}))`,
      idleTimeoutSeconds:
        `tostring(min(${hclText(this, props.idleTimeoutSeconds ?? DEFAULTS.idleTimeoutSeconds)}, max(1, ${timeoutText} - ${UPSTREAM_TIMEOUT_MARGIN_SECONDS})))`,
    };
    const object = (entries: Record<string, string>) => `{ ${Object.entries(entries).map(([name, value]) => `${name} = ${value}`).join(", ")} }`;
    const keys = `${address(this.keysParameter)}[0].name`;
    const wake = `{ ${WAKE_GROUPS_VARIABLE} = join(",", ${this.wakeEntries}), ${WAKE_WAIT_VARIABLE} = tostring(${hclText(this, props.wakeWaitSeconds ?? 0)}) }`;
    return (
      `merge(${object(routerEnvironment({ ...values, keysParameter: null, wakeGroups: null, wakeWaitSeconds: "" }))}, ` +
      `${this.checksKeys} ? { ${KEYS_PARAMETER_VARIABLE} = ${keys} } : {}, ${this.wakes} ? ${wake} : {})`
    );
  }

  /**
   * Logs to its own group, network interfaces in the VPC, with API_KEY the keys parameter, and with
   * models that scale to zero the desired capacity of their groups: nothing else.
   */
  private addRolePolicy(count: number, prefix: string, groups: AutoscalingGroup | undefined, models: ModelTable): IamRolePolicy {
    const statements = [
      `{ Sid = "OwnLogGroup", Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], ` +
        `Resource = format("%s:*", ${address(this.logGroup)}[0].arn) }`,
      // Lambda creates and deletes the function's network interfaces with the role; they do not exist
      // beforehand, and DescribeNetworkInterfaces takes no resource (the set AWSLambdaVPCAccessExecutionRole grants).
      `{ Sid = "VpcNetworkInterfaces", Effect = "Allow", Action = ["ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", ` +
        `"ec2:DescribeSubnets", "ec2:DeleteNetworkInterface", "ec2:AssignPrivateIpAddresses", "ec2:UnassignPrivateIpAddresses"], Resource = "*" }`,
    ];
    // No kms:Decrypt: the parameter uses the AWS managed key aws/ssm, whose policy lets every
    // principal of the account decrypt through SSM.
    const readKeys = `{ Sid = "ReadApiKeys", Effect = "Allow", Action = "ssm:GetParameter", Resource = ${address(this.keysParameter)}[0].arn }`;
    // Raising a group from zero: only the groups of the models that scale to zero. Reading a group's
    // size first (so a group above zero is never lowered) takes DescribeAutoScalingGroups, which IAM
    // grants on "*" only (it has no resource-level permissions); it reads, it changes nothing.
    const wake =
      groups === undefined
        ? []
        : [
            `{ Sid = "StartModelsAtZero", Effect = "Allow", Action = "autoscaling:SetDesiredCapacity", ` +
              `Resource = [for k, m in ${models.modelsOperand} : ${address(groups)}[k].arn if m.server_mode == "asg" && m.scale_to_zero_after_minutes != null] }`,
            `{ Sid = "ReadGroupSizes", Effect = "Allow", Action = "autoscaling:DescribeAutoScalingGroups", Resource = "*" }`,
          ];
    const policy = new IamRolePolicy(this, "policy", {
      count,
      name: `${prefix}-router`,
      role: only(this.role, "id"),
      policy: Token.asString(
        `\${jsonencode({ Version = "2012-10-17", Statement = concat([${statements.join(", ")}], ${this.checksKeys} ? [${readKeys}] : []${wake.map((statement) => `, ${this.wakes} ? [${statement}] : []`).join("")}) })}`,
      ),
    });
    policy.overrideLogicalId("router");
    return policy;
  }

  /**
   * The function sends to the ALB's listener, and with API_KEY (or models that scale to zero) HTTPS
   * to SSM (Auto Scaling), which have no fixed addresses behind a NAT gateway (with interface
   * endpoints, the traffic stays in the VPC).
   * The ALB accepts the function's group by name, not only as part of the VPC's range.
   */
  private addNetworkRules(count: number, albSecurityGroup: SecurityGroup): void {
    // One rule for HTTPS out, whichever calls need it: a second rule for the same port and range would be a duplicate AWS refuses.
    const ssmOnly = "HTTPS to SSM for the API keys (through the NAT gateway or an SSM interface endpoint)";
    const autoScalingOnly = "HTTPS to Auto Scaling to start models at zero (through the NAT gateway or an Auto Scaling interface endpoint)";
    const both = "HTTPS to SSM for the API keys and to Auto Scaling to start models at zero (through the NAT gateway or interface endpoints)";
    const group = only(this.securityGroup, "id");
    new VpcSecurityGroupEgressRule(this, "to_alb", {
      count,
      securityGroupId: group,
      ipProtocol: "tcp",
      fromPort: LISTENER_PORT,
      toPort: LISTENER_PORT,
      referencedSecurityGroupId: albSecurityGroup.id,
      description: "The router to the internal ALB's listener",
    }).overrideLogicalId("router_to_alb");
    new VpcSecurityGroupEgressRule(this, "to_ssm", {
      count: Token.asNumber(`\${${this.checksKeys} || ${this.wakes} ? 1 : 0}`),
      securityGroupId: group,
      ipProtocol: "tcp",
      fromPort: 443,
      toPort: 443,
      cidrIpv4: "0.0.0.0/0",
      description: Token.asString(`\${${this.checksKeys} ? (${this.wakes} ? ${JSON.stringify(both)} : ${JSON.stringify(ssmOnly)}) : ${JSON.stringify(autoScalingOnly)}}`),
    }).overrideLogicalId("router_to_ssm");
    new VpcSecurityGroupIngressRule(this, "alb_from_router", {
      count,
      securityGroupId: albSecurityGroup.id,
      ipProtocol: "tcp",
      fromPort: LISTENER_PORT,
      toPort: LISTENER_PORT,
      referencedSecurityGroupId: group,
      description: "Traffic over HTTP from the streaming router",
    }).overrideLogicalId("llm_alb_ingress_router");
  }

  /** A `cors` block only when origins are given: an absent block, not an empty one, is no CORS. */
  private addCors(origins: string[]): void {
    const operand = hclText(this, origins);
    // Escape hatch: cdktf has no dynamic blocks on plain attributes.
    this.functionUrl.addOverride("dynamic.cors", {
      for_each: `\${length(${operand}) > 0 ? [${operand}] : []}`,
      content: {
        allow_origins: "${cors.value}",
        allow_methods: CORS_ALLOW_METHODS,
        allow_headers: CORS_ALLOW_HEADERS,
        max_age: CORS_MAX_AGE_SECONDS,
      },
    });
  }
}

/** Refuses literal props that cannot work; tokens are checked by the rule table at plan. */
function validate(props: StreamingRouterProps): void {
  const literal = (value: unknown): boolean => value !== undefined && !Token.isUnresolved(value);
  const whole = (value: number | undefined, min: number, max: number) => !literal(value) || (Number.isInteger(value) && value! >= min && value! <= max);
  const problems: string[] = [];
  if (literal(props.auth) && !(ROUTER_AUTH_MODES as readonly string[]).includes(props.auth!)) {
    problems.push(`auth ${JSON.stringify(props.auth)} is not ${ROUTER_AUTH_MODES.join(" or ")}: use "API_KEY" (keys checked by the router) or "AWS_IAM" (SigV4)`);
  }
  if (!whole(props.timeoutSeconds, 1, MAX_ROUTER_TIMEOUT_SECONDS)) {
    problems.push(`timeoutSeconds ${props.timeoutSeconds} is not a whole number of seconds from 1 to ${MAX_ROUTER_TIMEOUT_SECONDS}: Lambda stops a function at 15 minutes`);
  }
  if (!whole(props.idleTimeoutSeconds, 1, MAX_ROUTER_TIMEOUT_SECONDS)) {
    problems.push(`idleTimeoutSeconds ${props.idleTimeoutSeconds} is not a whole number of seconds from 1 to ${MAX_ROUTER_TIMEOUT_SECONDS}: use at least the longest model load you expect, e.g. 300`);
  }
  if (!whole(props.memoryMb, ROUTER_MEMORY_MB.min, ROUTER_MEMORY_MB.max)) {
    problems.push(`memoryMb ${props.memoryMb} is not a whole number from ${ROUTER_MEMORY_MB.min} to ${ROUTER_MEMORY_MB.max}: use e.g. 256`);
  }
  if (!whole(props.reservedConcurrency, 1, MAX_ROUTER_CONCURRENCY)) {
    problems.push(`reservedConcurrency ${props.reservedConcurrency} is not a whole number from 1 to ${MAX_ROUTER_CONCURRENCY}: use the most requests to serve at once, e.g. 20`);
  }
  if (literal(props.logRetentionDays) && !LOG_RETENTION_DAYS.includes(props.logRetentionDays!)) {
    problems.push(`logRetentionDays ${props.logRetentionDays} is not a CloudWatch Logs retention: use one of ${LOG_RETENTION_DAYS.join(", ")}`);
  }
  if (literal(props.corsAllowOrigins)) {
    const bad = props.corsAllowOrigins!.filter((o) => !Token.isUnresolved(o) && !(new RegExp(CORS_ORIGIN_PATTERN).test(o) && o.length <= MAX_CORS_ORIGIN_LENGTH));
    if (bad.length > 0) problems.push(`corsAllowOrigins ${JSON.stringify(bad)} are not origins: write each as a browser sends it, e.g. "https://chat.example.com"`);
  }
  if (problems.length > 0) throw new Error(`StreamingRouter: ${problems.join("; ")}`);
}
