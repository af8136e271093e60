"use client";

import { useSyncExternalStore } from "react";
import { THEME_CHOICES, onThemeChange, readThemeChoice, setThemeChoice, type ThemeChoice } from "../../lib/theme";

const LABELS: Record<ThemeChoice, string> = { system: "System", light: "Light", dark: "Dark" };

/** Light, dark or the system's; the boot script in app/layout.tsx applied the stored choice before paint. */
export function ThemeSelect() {
  // the server cannot know the stored choice: it renders "system", the client reads <html data-theme>
  const choice = useSyncExternalStore(onThemeChange, readThemeChoice, () => "system" as const);
  return (
    <label className="theme-select">
      <span>Theme</span>
      <select value={choice} onChange={(e) => setThemeChoice(e.target.value as ThemeChoice)}>
        {THEME_CHOICES.map((c) => (
          <option key={c} value={c}>
            {LABELS[c]}
          </option>
        ))}
      </select>
    </label>
  );
}
