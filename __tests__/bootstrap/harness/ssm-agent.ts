// What SSM does with a Command document (schema 2.2) and an association's parameters, up to the
// script the agent runs: each parameter is checked against its allowedPattern (the service refuses
// the command otherwise), missing ones take their default, `{{ Name }}` is replaced in the step's
// inputs, and the aws:runShellScript step's runCommand lines are joined with "\n" into _script.sh
// (the agent then runs `sh -c <path of _script.sh>` in the step's folder; see sandbox-runner.js).

export class InvalidParameters extends Error {}

interface DocumentParameter {
  readonly type: string;
  readonly default?: string;
  readonly allowedPattern?: string;
}

interface Document {
  readonly schemaVersion: string;
  readonly parameters: Record<string, DocumentParameter>;
  readonly mainSteps: ReadonlyArray<{ readonly action: string; readonly name: string; readonly inputs: Record<string, unknown> }>;
}

export interface Command {
  readonly stepName: string;
  /** The step's timeoutSeconds, after substitution. */
  readonly timeoutSeconds: number;
  /** _script.sh as the agent writes it. */
  readonly script: string;
}

export function commandFromDocument(content: string, given: Record<string, string>): Command {
  const document = JSON.parse(content) as Document;
  if (document.schemaVersion !== "2.2") throw new Error(`schemaVersion ${document.schemaVersion}: this emulation knows 2.2`);
  const unknown = Object.keys(given).filter((name) => !(name in document.parameters));
  if (unknown.length > 0) throw new InvalidParameters(`InvalidParameters: ${unknown.join(", ")} not defined in the document`);
  const values: Record<string, string> = {};
  for (const [name, spec] of Object.entries(document.parameters)) {
    const value = given[name] ?? spec.default;
    if (value === undefined) throw new InvalidParameters(`InvalidParameters: parameter ${name} is required`);
    if (spec.type !== "String") throw new Error(`parameter ${name}: type ${spec.type} is not emulated`);
    if (spec.allowedPattern !== undefined && !new RegExp(spec.allowedPattern).test(value)) {
      throw new InvalidParameters(`InvalidParameters: parameter "${name}" "${value}" failed to satisfy constraint: Member must satisfy regular expression pattern: ${spec.allowedPattern}`);
    }
    values[name] = value;
  }
  const substitute = (text: string) =>
    text.replace(/\{\{\s*([A-Za-z0-9_.:-]+)\s*\}\}/g, (_, name: string) => {
      if (!(name in values)) throw new Error(`{{ ${name} }} names no parameter of the document`);
      return values[name];
    });
  if (document.mainSteps.length !== 1 || document.mainSteps[0].action !== "aws:runShellScript") {
    throw new Error("this emulation runs documents of one aws:runShellScript step");
  }
  const step = document.mainSteps[0];
  const runCommand = step.inputs.runCommand as string[];
  const timeout = Number(substitute(String(step.inputs.timeoutSeconds ?? "3600")));
  return { stepName: step.name, timeoutSeconds: timeout, script: runCommand.map(substitute).join("\n") + "\n" };
}
