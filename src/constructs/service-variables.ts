import { TerraformVariable } from "cdktf";
import { Construct } from "constructs";
import { terraformChecks } from "../config/rules";
import { InputName, ServiceInputs } from "../config/types";
import { VARIABLES } from "../config/variables";

export type ServiceVariables = Readonly<Record<InputName, TerraformVariable>>;

/**
 * Declares the module's variables at the root of `scope`. Given `values`, each becomes the
 * variable's default: the root stack then plans exactly what the module would for those inputs.
 */
export function declareServiceVariables(scope: Construct, values?: ServiceInputs): ServiceVariables {
  const variables = {} as Record<InputName, TerraformVariable>;
  const checks = terraformChecks();
  for (const spec of VARIABLES) {
    const validation = checks
      .filter((check) => check.variable === spec.name)
      .map(({ condition, errorMessage }) => ({ condition, errorMessage }));
    const value = withoutNullFields(values ? values[spec.name] : spec.default);
    variables[spec.name] = new TerraformVariable(scope, spec.name, {
      type: spec.type,
      description: spec.description,
      ...(value === undefined || value === null ? {} : { default: value }),
      ...(validation.length > 0 ? { validation } : {}),
    });
    // A null default (optional, "derived"): cdktf cannot write null as a variable's default, an override can.
    if (value === null) variables[spec.name].addOverride("default", null);
    variables[spec.name].overrideLogicalId(spec.name);
  }
  return variables;
}

/**
 * The value with every object field that is null left out (a model's `scaling: null`): the
 * variable's type fills them back as null, and cdktf cannot write a null inside a default.
 */
function withoutNullFields<T>(value: T): T {
  if (Array.isArray(value)) return value.map(withoutNullFields) as unknown as T;
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNullFields(v)])) as T;
}
