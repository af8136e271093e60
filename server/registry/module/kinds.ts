import { ENDPOINT_V1, ENDPOINT_V2 } from "@/server/contracts/registry";

/** Component kinds of module format 3.1 (protocol §4.1) that Statehouse loads. */
export const PLAYGROUND_INGRESS = "io.statefun.playground.v1/ingress";
export const PLAYGROUND_EGRESS = "io.statefun.playground.v1/egress";
export const KAFKA_INGRESS = "io.statefun.kafka.v1/ingress";
export const KAFKA_EGRESS = "io.statefun.kafka.v1/egress";
export const KINESIS_INGRESS = "io.statefun.kinesis.v1/ingress";
export const KINESIS_EGRESS = "io.statefun.kinesis.v1/egress";
/** Statehouse's own: records are kept like any egress's and also POSTed to a URL, with retries. */
export const WEBHOOK_EGRESS = "io.statehouse.webhook.v1/egress";

/** The playground image fixes these ids; its specs have no `id` field (protocol §4.7). */
export const PLAYGROUND_INGRESS_ID = "io.statefun.playground/ingress";
export const PLAYGROUND_EGRESS_ID = "io.statefun.playground/egress";

export const ENDPOINT_KINDS = [ENDPOINT_V2, ENDPOINT_V1] as const;
export const INGRESS_KINDS = [PLAYGROUND_INGRESS] as const;
export const EGRESS_KINDS = [PLAYGROUND_EGRESS, KAFKA_EGRESS, KINESIS_EGRESS, WEBHOOK_EGRESS] as const;
export const SUPPORTED_KINDS: readonly string[] = [...ENDPOINT_KINDS, ...INGRESS_KINDS, ...EGRESS_KINDS];

const HTTP_INGRESS_HINT =
  "send messages through Statehouse's HTTP ingress instead (PUT /api/v1/ingress/{namespace}/{type}/{id}, " +
  "or declare an io.statefun.playground.v1/ingress component), and remove this document";

/**
 * Kinds a StateFun runtime knows but Statehouse deliberately does not load, with the reason and the fix.
 * The 3.0-era aliases (`io.statefun.kafka/ingress`, …) are listed too because users paste them from old files.
 */
export const UNSUPPORTED_KINDS: Readonly<Record<string, string>> = {
  [KAFKA_INGRESS]: `Kafka ingress is not supported: Statehouse has no Kafka consumer; ${HTTP_INGRESS_HINT}`,
  "io.statefun.kafka/ingress": `Kafka ingress is not supported: Statehouse has no Kafka consumer; ${HTTP_INGRESS_HINT}`,
  [KINESIS_INGRESS]: `Kinesis ingress is not supported: Statehouse has no Kinesis consumer; ${HTTP_INGRESS_HINT}`,
  "io.statefun.kinesis/ingress": `Kinesis ingress is not supported: Statehouse has no Kinesis consumer; ${HTTP_INGRESS_HINT}`,
  "io.statefun.kafka/egress": `this is the legacy (format 3.0) name of the Kafka egress; write kind: ${KAFKA_EGRESS}`,
  "io.statefun.kinesis/egress": `this is the legacy (format 3.0) name of the Kinesis egress; write kind: ${KINESIS_EGRESS}`,
  http: `this is the legacy (format 3.0) endpoint kind; write kind: ${ENDPOINT_V2} (or ${ENDPOINT_V1})`,
};

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length];
}

/** The supported kind an unknown kind is most likely a typo of, if any is close. */
export function closestKind(kind: string): string | null {
  let best: string | null = null;
  let bestDistance = 4;
  for (const k of SUPPORTED_KINDS) {
    const d = editDistance(kind.toLowerCase(), k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}
