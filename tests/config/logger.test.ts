import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, type LogFormat } from "@/server/logger";
import { parseEnv } from "@/server/env";

/** Logs are readable lines when a person watches (a terminal) and JSON for collectors (LOG_FORMAT=auto). */
function capture(isTTY: boolean) {
  const lines: string[] = [];
  const out = Object.assign(
    new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
    { isTTY },
  );
  return { out, text: () => lines.join("") };
}

const logOnce = (format: LogFormat, isTTY: boolean) => {
  const c = capture(isTTY);
  createLogger("info", { process: "web" }, format, c.out).info({ registryVersion: 3 }, "registry loaded");
  return c.text();
};

describe("LOG_FORMAT", () => {
  it("auto is JSON when stdout is not a terminal, pretty when it is", () => {
    const json = JSON.parse(logOnce("auto", false));
    expect(json).toMatchObject({ msg: "registry loaded", registryVersion: 3, process: "web", level: 30 });
    const pretty = logOnce("auto", true);
    expect(() => JSON.parse(pretty)).toThrow();
    expect(pretty).toMatch(/INFO.*registry loaded/);
    expect(pretty.replace(/\u001b\[[0-9;]*m/g, "")).toContain("registryVersion: 3");
  });

  it("json and pretty force their format", () => {
    expect(() => JSON.parse(logOnce("json", true))).not.toThrow();
    expect(logOnce("pretty", false)).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO/);
  });

  it("defaults to auto and refuses anything else", () => {
    const base = { DATABASE_URL: "postgresql://x@127.0.0.1/db", REDIS_URL: "redis://127.0.0.1:6379" };
    expect(parseEnv(base).LOG_FORMAT).toBe("auto");
    expect(() => parseEnv({ ...base, LOG_FORMAT: "xml" })).toThrow(/LOG_FORMAT/);
  });
});
