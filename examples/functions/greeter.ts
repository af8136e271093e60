/**
 * The playground greeter (flink-statefun-playground javascript/greeter, protocol §5.1), on the official JS SDK.
 *
 * example/person counts visits per name and forwards the request to example/greeter/<name>, which writes the
 * greeting to the playground egress, topic "greetings".
 */
import { StateFun, egressMessageBuilder, messageBuilder, type Context, type Message } from "apache-flink-statefun";

export interface GreetRequest {
  name: string;
  visits?: number;
}

export interface EgressRecord {
  topic: string;
  payload: string;
}

export const GreetRequestType = StateFun.jsonType<GreetRequest>("example/GreetRequest");
export const EgressRecordType = StateFun.jsonType<EgressRecord>("io.statefun.playground/EgressRecord");
export const PLAYGROUND_EGRESS = "io.statefun.playground/egress";

export function greetingFor(name: string, visits: number): string {
  if (visits === 0) return "";
  if (visits === 1) return `Welcome ${name}`;
  if (visits === 2) return `Nice to see you again ${name}`;
  if (visits === 3) return `Third time is a charm ${name}`;
  return `Nice to see you at the ${visits}-nth time ${name}!`;
}

function person(context: Context, message: Message): void {
  const visits = ((context.storage.visits as number | null) ?? 0) + 1;
  context.storage.visits = visits;

  const request = message.as(GreetRequestType);
  if (!request) throw new Error("example/person expects an example/GreetRequest");
  request.visits = visits;
  context.send(messageBuilder({ typename: "example/greeter", id: request.name, value: request, valueType: GreetRequestType }));
}

function greeter(context: Context, message: Message): void {
  const request = message.as(GreetRequestType);
  if (!request) throw new Error("example/greeter expects an example/GreetRequest");
  context.send(
    egressMessageBuilder({
      typename: PLAYGROUND_EGRESS,
      value: { topic: "greetings", payload: greetingFor(request.name, request.visits ?? 0) },
      valueType: EgressRecordType,
    }),
  );
}

export function bindGreeter(statefun: StateFun): void {
  statefun.bind({ typename: "example/person", fn: person, specs: [{ name: "visits", type: StateFun.intType() }] });
  statefun.bind({ typename: "example/greeter", fn: greeter });
}
