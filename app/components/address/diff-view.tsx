"use client";

import { useEffect, useRef } from "react";
import { EditorState } from "@codemirror/state";
import { EditorView } from "@codemirror/view";
import { MergeView, unifiedMergeView } from "@codemirror/merge";
import { baseExtensions, type CodeLanguage } from "./cm-setup";

const readOnly = (language: CodeLanguage, label: string) => [
  ...baseExtensions({ language, label, readOnly: true }),
  EditorState.readOnly.of(true),
];

/** One column: the edited text, with the loaded text's removed lines shown above what replaced them. */
export function UnifiedDiff({ original, modified, language, label, testId }: { original: string; modified: string; language: CodeLanguage; label: string; testId?: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: modified,
        extensions: [...readOnly(language, label), unifiedMergeView({ original, mergeControls: false, gutter: true, syntaxHighlightDeletions: false })],
      }),
    });
    return () => v.destroy();
  }, [original, modified, language, label]);
  return <div ref={host} className="address-cm address-diff" data-testid={testId} />;
}

/** Two columns aligned line by line: `a` on the left, `b` on the right (stacked under 720 px by CSS). */
export function SideBySideDiff({
  a,
  b,
  aLabel,
  bLabel,
  language,
  testId,
}: {
  a: string;
  b: string;
  aLabel: string;
  bLabel: string;
  language: CodeLanguage;
  testId?: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const v = new MergeView({
      parent: host.current!,
      a: { doc: a, extensions: readOnly(language, aLabel) },
      b: { doc: b, extensions: readOnly(language, bLabel) },
      gutter: true,
    });
    return () => v.destroy();
  }, [a, b, aLabel, bLabel, language]);
  return (
    <div className="address-merge" data-testid={testId}>
      <div className="address-merge-heads" aria-hidden="true">
        <span>{aLabel}</span>
        <span>{bLabel}</span>
      </div>
      <div ref={host} className="address-cm" />
    </div>
  );
}
