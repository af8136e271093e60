import { describe, expect, it } from "vitest";
import { banner, shownCredentials } from "../../scripts/banner.mjs";

/**
 * The banner `npm run demo` and compose's `welcome` print (issue #16 item 4): the URL, the login, the token and three
 * commands to paste — the first two exactly the StateFun playground README's, so the habit works as typed.
 */
const base = { host: "localhost", webPort: 3000, ingressPort: 8080, playgroundIngress: 8090, playgroundEgress: 8091, user: "admin", cli: "npx statehouse" };

describe("the demo banner", () => {
  it("prints the console URL, login, token, fast ingress and the playground's two commands verbatim, then the CLI's", () => {
    const text = banner({ ...base, ...shownCredentials({}) });
    expect(text).toContain("console    http://localhost:3000");
    expect(text).toContain("login      admin / statehouse-demo");
    expect(text).toContain("API token  statehouse-demo-admin-token");
    expect(text).toContain("http://localhost:8080/api/v1/ingress/{namespace}/{type}/{id}");
    const lines = text.split("\n").map((l) => l.trim());
    expect(lines).toContain(`curl -X PUT -H "Content-Type: application/vnd.example/GreetRequest" -d '{"name": "Bob"}' localhost:8090/example/person/Bob`);
    expect(lines).toContain("curl -X GET localhost:8091/greetings");
    expect(lines).toContain("npx statehouse login --url http://localhost:3000 --token statehouse-demo-admin-token --ingress-url http://localhost:8080");
    expect(text).not.toMatch(/\x1b\[/); // no color unless asked
  });

  it("names credentials of your own instead of printing them (the banner ends up in logs)", () => {
    const text = banner({ ...base, ...shownCredentials({ STATEHOUSE_ADMIN_PASSWORD: "s3cret-pass", STATEHOUSE_ADMIN_TOKEN: "my-own-token-0123456789" }) });
    expect(text).not.toContain("s3cret-pass");
    expect(text).not.toContain("my-own-token-0123456789");
    expect(text).toContain("(your STATEHOUSE_ADMIN_PASSWORD)");
    expect(text).toContain("--token $STATEHOUSE_ADMIN_TOKEN");
  });

  it("with PLAYGROUND_TOKEN set, the playground commands carry it; compose's CLI runs in the web container", () => {
    const text = banner({ ...base, ...shownCredentials({}), playgroundToken: true, cli: "docker compose exec web npx statehouse", cliIngress: "http://ingress:8080" });
    expect(text).toContain(`curl -X GET -H "Authorization: Bearer $PLAYGROUND_TOKEN" localhost:8091/greetings`);
    expect(text).toContain("docker compose exec web npx statehouse login --url http://localhost:3000 --token statehouse-demo-admin-token --ingress-url http://ingress:8080");
  });
});
