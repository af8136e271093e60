"use client";

import { useEffect, useRef } from "react";
import { minimalSetup } from "codemirror";
import { Annotation, EditorState } from "@codemirror/state";
import { EditorView, placeholder as cmPlaceholder } from "@codemirror/view";
import { baseExtensions, type CodeLanguage } from "./cm-setup";

export interface CodeEditorProps {
  value: string;
  onChange?: (text: string) => void;
  language: CodeLanguage;
  /** The accessible name of the text area. */
  label: string;
  describedBy?: string;
  readOnly?: boolean;
  invalid?: boolean;
  placeholder?: string;
  testId?: string;
}

/** Marks the document replacements made from the `value` prop: they are not the user's edits. */
const fromProp = Annotation.define<boolean>();

/**
 * CodeMirror 6 as a controlled text field: the parent owns the text; a value set from outside (a reset, a
 * mode switch) replaces the document without an onChange, typing reports through onChange. Rendered only in the
 * browser (lazy.tsx).
 */
export default function CodeEditor({ value, onChange, language, label, describedBy, readOnly = false, invalid, placeholder, testId }: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChangeRef = useRef(onChange);
  useEffect(() => {
    onChangeRef.current = onChange;
  }, [onChange]);

  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          minimalSetup,
          ...baseExtensions({ language, label, describedBy, readOnly }),
          ...(placeholder ? [cmPlaceholder(placeholder)] : []),
          EditorView.updateListener.of((u) => {
            if (u.docChanged && !u.transactions.some((t) => t.annotation(fromProp))) onChangeRef.current?.(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => {
      v.destroy();
      view.current = null;
    };
    // The document is synced below; the rest is the editor's configuration, fixed for its life.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [language, label, describedBy, readOnly, placeholder]);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value }, annotations: fromProp.of(true) });
  }, [value]);

  return <div ref={host} className={`address-cm${invalid ? " address-cm-invalid" : ""}`} data-testid={testId} />;
}
