/** Kept for the specs that import the page checks from here; they live in helpers.ts. */
export { expectAccessibleAndNarrow as checkPage, shot } from "./helpers";
