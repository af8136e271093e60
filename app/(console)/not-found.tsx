import { NotFoundView } from "../components/shell/not-found-view";

/** A console 404, rendered inside the shell: for unknown paths and for pages that call notFound(). */
export default function ConsoleNotFound() {
  return <NotFoundView />;
}
