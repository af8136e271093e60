"use client";

import dynamic from "next/dynamic";
import { Skeleton, SkeletonLine } from "../skeleton";

/** CodeMirror touches the DOM when it loads: the editor and the diffs are fetched and rendered in the browser only. */
const loading = () => (
  <Skeleton label="the editor">
    <SkeletonLine height="8em" />
  </Skeleton>
);

export const CodeEditor = dynamic(() => import("./code-editor"), { ssr: false, loading });
export const UnifiedDiff = dynamic(() => import("./diff-view").then((m) => m.UnifiedDiff), { ssr: false, loading });
export const SideBySideDiff = dynamic(() => import("./diff-view").then((m) => m.SideBySideDiff), { ssr: false, loading });
