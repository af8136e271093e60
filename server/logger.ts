import { pino, type DestinationStream, type Logger } from "pino";
import { PinoPretty } from "pino-pretty";

export type { Logger };

/** `auto`: readable lines when a person watches (stdout is a terminal), JSON for log collectors otherwise. */
export type LogFormat = "auto" | "json" | "pretty";

export function createLogger(level: string, bindings: Record<string, unknown> = {}, format: LogFormat = "json", destination: DestinationStream = process.stdout): Logger {
  const pretty = format === "pretty" || (format === "auto" && (destination as { isTTY?: boolean }).isTTY === true);
  const options = { level, base: { ...bindings }, timestamp: pino.stdTimeFunctions.isoTime };
  if (!pretty) return destination === process.stdout ? pino(options) : pino(options, destination);
  // a synchronous stream in this thread (not a transport worker): lines keep their order with other output
  return pino(options, PinoPretty({ destination, colorize: (destination as { isTTY?: boolean }).isTTY === true, translateTime: "SYS:HH:MM:ss.l", ignore: "pid,hostname", sync: true }));
}
