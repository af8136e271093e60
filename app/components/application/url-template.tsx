import { Fragment } from "react";

/**
 * A URL template that wraps only between path segments: the scheme, host and port stay on one line
 * (`127.0.0.1:8000` is never split), and a long path breaks after a `/`.
 */
export function UrlTemplate({ url }: { url: string }) {
  const scheme = url.indexOf("://");
  const pathStart = scheme < 0 ? -1 : url.indexOf("/", scheme + 3);
  const origin = pathStart < 0 ? url : url.slice(0, pathStart);
  const segments = pathStart < 0 ? [] : url.slice(pathStart).split(/(?=\/)/);
  return (
    <span className="url-template">
      <span className="url-origin">{origin}</span>
      {segments.map((s, i) => (
        <Fragment key={i}>
          <wbr />
          {s}
        </Fragment>
      ))}
    </span>
  );
}
