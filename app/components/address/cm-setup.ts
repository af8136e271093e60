import { json } from "@codemirror/lang-json";
import { HighlightStyle, bracketMatching, syntaxHighlighting } from "@codemirror/language";
import type { Extension } from "@codemirror/state";
import { EditorView, lineNumbers } from "@codemirror/view";
import { tags } from "@lezer/highlight";

export type CodeLanguage = "json" | "text";

/** Syntax colours from the console's tokens (app/styles/address.css), so both schemes keep AA contrast. */
const highlight = HighlightStyle.define([
  { tag: tags.string, color: "var(--cm-string)" },
  { tag: [tags.number, tags.bool, tags.null], color: "var(--cm-literal)" },
  { tag: tags.propertyName, color: "var(--cm-property)" },
]);

/** What every editor and diff of the address page shares: labelled, wrapped lines (no sideways scroll at 390 px). */
export function baseExtensions(opts: { language: CodeLanguage; label: string; describedBy?: string; readOnly: boolean; numbers?: boolean }): Extension[] {
  return [
    ...(opts.numbers === false ? [] : [lineNumbers()]),
    EditorView.lineWrapping,
    bracketMatching(),
    syntaxHighlighting(highlight),
    ...(opts.language === "json" ? [json()] : []),
    EditorView.contentAttributes.of({
      "aria-label": opts.label,
      ...(opts.describedBy ? { "aria-describedby": opts.describedBy } : {}),
      // A read-only view is still reached by Tab, so its text can be scrolled and selected from the keyboard.
      ...(opts.readOnly ? { tabindex: "0", "aria-readonly": "true" } : {}),
    }),
    ...(opts.readOnly ? [EditorView.editable.of(false)] : []),
  ];
}
