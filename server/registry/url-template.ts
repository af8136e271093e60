/**
 * `urlPathTemplate` with `{function.name}` — the only placeholder StateFun knows — replaced by the function
 * type's name (never its namespace, never the id). http and https only: `http+unix` needs StateFun's OkHttp
 * transport and has no equivalent here.
 */
const PLACEHOLDER = "{function.name}";

export function validateUrlTemplate(template: string): string | null {
  const other = template.replaceAll(PLACEHOLDER, "").match(/\{[^}]*\}/);
  if (other) return `unknown placeholder ${other[0]}; the only placeholder is ${PLACEHOLDER}`;
  let url: URL;
  try {
    url = new URL(template.replaceAll(PLACEHOLDER, "fn"));
  } catch {
    return `"${template}" is not an absolute URL; expected e.g. http://functions:8000/statefun`;
  }
  if (url.protocol === "http+unix:" || url.protocol === "https+unix:")
    return `${url.protocol.slice(0, -1)} URLs are not supported; serve the function over http or https`;
  if (url.protocol !== "http:" && url.protocol !== "https:")
    return `URL scheme must be http or https, not ${url.protocol.slice(0, -1)}`;
  if (url.username || url.password) return "credentials in the URL are not allowed";
  return null;
}

export function renderUrl(template: string, functionName: string): string {
  return template.replaceAll(PLACEHOLDER, encodeURIComponent(functionName));
}
