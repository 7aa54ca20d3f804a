// The common shape: every resource of some types must hold one literal at one attribute.
import { finding, isExpression, lookupAll, Resource, resources, show } from "./terraform-json";
import { PolicyRule } from "./types";

export interface LiteralRuleProps {
  readonly id: string;
  readonly mirrors: readonly string[];
  readonly description: string;
  readonly fix: string;
  readonly types: readonly string[];
  /**
   * Dotted path through nested blocks, e.g. `metadata_options.http_tokens`; through a repeated
   * block, every block must hold the literal.
   */
  readonly path: string;
  /** Where the same setting lives in some of `types`, by type (a launch template nests it elsewhere). @default - `path` for every type */
  readonly pathByType?: Readonly<Record<string, string>>;
  readonly expected: string | boolean;
  /** Types whose schema holds this boolean as a string (`"true"` / `"false"`), as launch templates do. @default - none */
  readonly booleanAsStringIn?: readonly string[];
  /** @default - every resource of `types` */
  readonly appliesTo?: (resource: Resource) => boolean;
}

/**
 * A rule that passes only when the literal is there. An expression fails too: the policy is
 * checked at synth, before any input is known, so `${var.x}` could be anything.
 */
export function literalRule(props: LiteralRuleProps): PolicyRule {
  const { types, path, pathByType = {}, expected, booleanAsStringIn = [], appliesTo = () => true, ...rule } = props;
  return {
    ...rule,
    check: (tf) =>
      types.flatMap((type) => {
        const at = pathByType[type] ?? path;
        const literal = typeof expected === "boolean" && booleanAsStringIn.includes(type) ? String(expected) : expected;
        const holds = (actual: unknown) => actual === literal;
        return resources(tf, type)
          .filter(appliesTo)
          .flatMap((resource) => {
            const values = lookupAll(resource.body, at);
            if (values.every(holds)) return [];
            const actual = values.find((value) => !holds(value));
            const must = isExpression(actual) ? `must be the literal ${JSON.stringify(literal)}` : `must be ${JSON.stringify(literal)}`;
            return [finding(rule, resource.address, `${at} is ${show(actual)}; it ${must}`)];
          });
      }),
  };
}
