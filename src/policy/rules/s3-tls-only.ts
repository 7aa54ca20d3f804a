import { bucketName, companions, multiplicityProblem, refersToBucket } from "../s3-buckets";
import { blocks, Body, dataSources, finding, isExpression, Resource, resources } from "../terraform-json";
import { PolicyRule } from "../types";

/** A statement, from a policy document data source's block or a JSON policy's element, read alike. */
interface Statement {
  readonly effect: unknown;
  readonly principals: string[];
  readonly actions: string[];
  /** `test variable value` of each condition value. */
  readonly conditions: string[];
  readonly resources: string[];
}

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : value === undefined || value === null ? [] : [String(value)]);

function fromDocument(body: Body): Statement[] {
  return blocks(body, "statement").map((s) => ({
    effect: s.effect ?? "Allow",
    principals: blocks(s, "principals").flatMap((p) => list(p.identifiers).map((id) => `${String(p.type)}:${id}`)),
    actions: list(s.actions),
    conditions: blocks(s, "condition").flatMap((c) => list(c.values).map((v) => `${String(c.test)} ${String(c.variable)} ${v}`)),
    resources: list(s.resources),
  }));
}

function fromJson(text: string): Statement[] | undefined {
  let policy: { Statement?: unknown };
  try {
    policy = JSON.parse(text);
  } catch {
    return undefined;
  }
  const statements = Array.isArray(policy.Statement) ? policy.Statement : [policy.Statement];
  return statements.filter((s): s is Record<string, unknown> => typeof s === "object" && s !== null).map((s) => {
    const principal = s.Principal;
    const principals =
      principal === "*" ? ["*:*"] : typeof principal === "object" && principal !== null ? Object.entries(principal).flatMap(([type, ids]) => list(ids).map((id) => `${type}:${id}`)) : [];
    const conditions = Object.entries((s.Condition ?? {}) as Record<string, Record<string, unknown>>).flatMap(([test, variables]) =>
      Object.entries(variables ?? {}).flatMap(([variable, values]) => list(values).map((v) => `${test} ${variable} ${v}`)),
    );
    return { effect: s.Effect, principals, actions: list(s.Action), conditions, resources: list(s.Resource) };
  });
}

/** The statements of a bucket policy's `policy`: a JSON text, or a reference to a policy document data source. */
function statementsOf(tf: Parameters<PolicyRule["check"]>[0], policy: unknown): Statement[] | undefined {
  if (typeof policy !== "string") return undefined;
  if (!isExpression(policy)) return fromJson(policy);
  const match = /^\$\{data\.aws_iam_policy_document\.([\w-]+)(\[[^\]]*\])?\.json\}$/.exec(policy);
  const document = match && dataSources(tf, "aws_iam_policy_document").find((d) => d.address === `data.aws_iam_policy_document.${match[1]}`);
  return document ? fromDocument(document.body) : undefined;
}

/** Whether `resources` cover the bucket (`what` = "bucket") or its objects ("objects"). */
function covers(resourcesOf: string[], bucket: Resource, what: "bucket" | "objects"): boolean {
  const literal = typeof bucket.body.bucket === "string" && !isExpression(bucket.body.bucket) ? bucket.body.bucket : undefined;
  return resourcesOf.some((r) => {
    if (r === "*") return true;
    const names = refersToBucket(r, bucketName(bucket)) || (literal !== undefined && r.includes(`:::${literal}`));
    return names && (what === "objects" ? r.endsWith("/*") : !r.endsWith("/*"));
  });
}

const deniesPlainHttp = (s: Statement, bucket: Resource): boolean =>
  s.effect === "Deny" &&
  s.principals.some((p) => p === "*:*" || p === "AWS:*") &&
  s.actions.some((a) => a === "s3:*" || a === "*") &&
  s.conditions.includes("Bool aws:SecureTransport false") &&
  covers(s.resources, bucket, "bucket") &&
  covers(s.resources, bucket, "objects");

export const s3TlsOnly: PolicyRule = {
  id: "s3-tls-only",
  mirrors: ["AwsSolutions-S10"],
  description: "Buckets refuse requests over plain HTTP: their policy denies every action to everyone when aws:SecureTransport is false",
  fix:
    "add an aws_s3_bucket_policy naming the bucket, with the bucket's count, whose policy has a statement Effect Deny, Principal *, Action s3:*, " +
    'Resource the bucket and bucket/*, Condition { Bool = { "aws:SecureTransport" = "false" } } (an aws_iam_policy_document or a JSON text the rule can read)',
  check(tf) {
    return resources(tf, "aws_s3_bucket").flatMap((bucket) => {
      const policies = companions(tf, "aws_s3_bucket_policy", bucket);
      if (policies.length === 0) return [finding(s3TlsOnly, bucket.address, "no aws_s3_bucket_policy names it")];
      const problems = policies.map((policy) => {
        const multiplicity = multiplicityProblem(bucket.body, policy.body);
        if (multiplicity) return `${policy.address}: ${multiplicity}`;
        const statements = statementsOf(tf, policy.body.policy);
        if (!statements) return `${policy.address}: its policy is neither JSON nor a reference to an aws_iam_policy_document of this configuration`;
        return statements.some((s) => deniesPlainHttp(s, bucket)) ? undefined : `${policy.address}: no statement denies every action to everyone over plain HTTP, on the bucket and its objects`;
      });
      const first = problems.find((p) => p !== undefined);
      return problems.some((p) => p === undefined) || first === undefined ? [] : [finding(s3TlsOnly, bucket.address, first)];
    });
  },
};
