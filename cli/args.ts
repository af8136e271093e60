import { InvalidArgumentError } from "commander";
import { checkAddressString, functionTypeProblem, namespaceProblem, typeProblem } from "../server/contracts/names";
import { usageError } from "./errors";

/** `ns/type/id` (the id is everything after the second `/`) as the API's path parameters. */
export function parseAddress(s: string): { namespace: string; type: string; id: string } {
  const r = checkAddressString(s);
  if (!r.ok) throw usageError(r.problem.replace(/^the target/, "the address"));
  return { namespace: r.namespace, type: r.type, id: r.id };
}

function splitPair(s: string, what: string): [string, string] {
  const parts = s.split("/");
  if (parts.length !== 2 || !parts[0] || !parts[1]) throw usageError(`${what} "${s}" must be namespace/name`);
  return [parts[0], parts[1]];
}

/** `ns/type` of a function type. */
export function parseFunctionType(s: string): { namespace: string; type: string } {
  const [namespace, type] = splitPair(s, "the function type");
  const p = functionTypeProblem(namespace, type);
  if (p) throw usageError(p);
  return { namespace, type };
}

/** `ns/name` of an egress, e.g. io.statefun.playground/egress. */
export function parseEgressId(s: string): { namespace: string; name: string } {
  const [namespace, name] = splitPair(s, "the egress id");
  const p = namespaceProblem(namespace) ?? typeProblem(name, "the egress name");
  if (p) throw usageError(p);
  return { namespace, name };
}

/** Commander option parser for a whole number ≥ `min`. */
export const intArg =
  (min = 0) =>
  (v: string): number => {
    const n = Number(v);
    if (!/^-?\d+$/.test(v.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`must be a whole number ≥ ${min}`);
    return n;
  };

/** Commander collector for a repeatable option. */
export const collect = (v: string, prev: string[] = []) => [...prev, v];

/** Parses JSON given on the command line, saying which argument was not JSON. */
export function parseJsonArg(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw usageError(`${what} must be JSON (a string needs quotes: '"text"'); got ${text}`);
  }
}
