import { blocks, Body, dataSources, finding, isExpression, isNonEmptyString, resources } from "../terraform-json";
import { Finding, PolicyRule, TerraformJson } from "../types";

/** The condition keys that tie a service's request to the resource or account it acts for. */
const SOURCE_KEY = /^aws:source(arn|account)$/i;
/** Resource policies (attribute `policy`) that may grant a service principal. */
const POLICY_TYPES = ["aws_sns_topic_policy", "aws_sqs_queue_policy", "aws_s3_bucket_policy"] as const;
/** `${data.aws_iam_policy_document.X.json}`, with or without an index. */
const DOCUMENT_JSON = /^\$\{data\.aws_iam_policy_document\.([A-Za-z_][\w-]*)(?:\[[^\]]*\])?\.json\}$/;
/** Arguments that merge other documents into a policy document, whose statements a synth cannot read. */
const MERGED = ["source_policy_documents", "override_policy_documents", "source_json", "override_json"];

/** One statement that allows service principals, and whether it names the source. */
interface Grant {
  readonly statement: string;
  readonly services: readonly string[];
  readonly scoped: boolean;
}

const asList = (value: unknown): unknown[] => (Array.isArray(value) ? value : value === undefined || value === null ? [] : [value]);

/** The grants of a policy written as JSON text. */
function jsonGrants(text: string): Grant[] {
  const policy = JSON.parse(text) as { Statement?: unknown };
  return asList(policy.Statement).flatMap((raw, i) => {
    const statement = raw as { Sid?: string; Effect?: string; Principal?: unknown; Condition?: Record<string, Record<string, unknown>> };
    if (statement.Effect !== undefined && statement.Effect !== "Allow") return [];
    const principal = statement.Principal as { Service?: unknown } | undefined;
    const services = asList(typeof principal === "object" && principal !== null ? principal.Service : undefined).map(String);
    if (services.length === 0) return [];
    const keys = Object.values(statement.Condition ?? {}).flatMap((operator) => Object.keys(operator ?? {}));
    return [{ statement: statement.Sid ?? `#${i}`, services, scoped: keys.some((k) => SOURCE_KEY.test(k)) }];
  });
}

/** The grants of an `aws_iam_policy_document`, or why it cannot be read. */
function documentGrants(document: Body): Grant[] | string {
  const merged = MERGED.filter((argument) => document[argument] !== undefined);
  if (merged.length > 0) return `merges other documents (${merged.join(", ")}), whose statements cannot be checked`;
  return blocks(document, "statement").flatMap((statement, i) => {
    if (statement.effect !== undefined && statement.effect !== "Allow") return [];
    const services = blocks(statement, "principals")
      .filter((p) => p.type === "Service")
      .flatMap((p) => asList(p.identifiers).map(String));
    if (services.length === 0) return [];
    const scoped = blocks(statement, "condition").some((c) => typeof c.variable === "string" && SOURCE_KEY.test(c.variable) && asList(c.values).length > 0);
    return [{ statement: typeof statement.sid === "string" ? statement.sid : `#${i}`, services, scoped }];
  });
}

/** The grants of a resource's `policy`: JSON text, or a policy document's JSON; anything else cannot be read at synth. */
function policyGrants(tf: TerraformJson, policy: unknown): Grant[] | string {
  if (typeof policy === "string" && !isExpression(policy)) {
    try {
      return jsonGrants(policy);
    } catch {
      return "is not JSON";
    }
  }
  const match = typeof policy === "string" ? DOCUMENT_JSON.exec(policy) : null;
  const document = match && dataSources(tf, "aws_iam_policy_document").find((d) => d.address === `data.aws_iam_policy_document.${match[1]}`);
  if (document) return documentGrants(document.body);
  return `is ${typeof policy === "string" ? `the expression ${policy}` : "not set"}, which cannot be checked before plan; build it with an aws_iam_policy_document`;
}

export const servicePrincipalScoped: PolicyRule = {
  id: "service-principal-scoped",
  mirrors: ["AVD-AWS-0067"],
  description:
    "A grant to an AWS service principal names the account or the resource the service acts for (aws:SourceAccount, aws:SourceArn), so the service cannot be made to use it for another account's resources (the confused deputy)",
  fix: "add a condition on aws:SourceArn (the alarm, rule or other resource that calls) and aws:SourceAccount to each statement that allows a service principal; on aws_lambda_permission, set source_arn or source_account",
  check(tf) {
    const policies = POLICY_TYPES.flatMap((type) => resources(tf, type)).flatMap(({ address, body }): Finding[] => {
      const grants = policyGrants(tf, body.policy);
      if (typeof grants === "string") return [finding(servicePrincipalScoped, address, `policy ${grants}`)];
      return grants
        .filter((g) => !g.scoped)
        .map((g) => finding(servicePrincipalScoped, address, `statement ${g.statement} allows ${g.services.join(", ")} without a condition on aws:SourceArn or aws:SourceAccount`));
    });
    const permissions = resources(tf, "aws_lambda_permission").flatMap(({ address, body }) => {
      const principal = body.principal;
      if (typeof principal !== "string" || !principal.endsWith(".amazonaws.com")) return [];
      if (isNonEmptyString(body.source_arn) || isNonEmptyString(body.source_account)) return [];
      return [finding(servicePrincipalScoped, address, `grants ${principal} without source_arn or source_account`)];
    });
    return [...policies, ...permissions];
  },
};
