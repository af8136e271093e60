/**
 * The console's colour theme: the system's by default, or light / dark chosen with the header's toggle and kept
 * in localStorage. The choice lands on <html data-theme> (base.css: `[data-theme=dark] { color-scheme: dark }`,
 * every token being light-dark()); "system" matches neither selector, so the OS preference applies, live.
 */
export const THEME_CHOICES = ["system", "light", "dark"] as const;
export type ThemeChoice = (typeof THEME_CHOICES)[number];

export const THEME_STORAGE_KEY = "statehouse-theme";
/** Fired on window when the choice changes, so charts re-read their colours. */
export const THEME_EVENT = "statehouse-theme";

const isChoice = (v: unknown): v is ThemeChoice => typeof v === "string" && (THEME_CHOICES as readonly string[]).includes(v);

/**
 * Runs in <head> before the first paint (app/layout.tsx), so a stored dark choice never flashes light. Kept in
 * ES5 and self-contained: it is inlined as text. localStorage can throw (privacy modes): then the system's.
 */
export const THEME_BOOT_SCRIPT = `(function(){var c="system";try{var s=localStorage.getItem(${JSON.stringify(THEME_STORAGE_KEY)});if(s==="light"||s==="dark")c=s}catch(e){}document.documentElement.setAttribute("data-theme",c)})()`;

export function readThemeChoice(): ThemeChoice {
  if (typeof document === "undefined") return "system";
  const v = document.documentElement.getAttribute("data-theme");
  return isChoice(v) ? v : "system";
}

export function setThemeChoice(choice: ThemeChoice): void {
  document.documentElement.setAttribute("data-theme", choice);
  try {
    if (choice === "system") localStorage.removeItem(THEME_STORAGE_KEY);
    else localStorage.setItem(THEME_STORAGE_KEY, choice);
  } catch {
    // not persisted (storage refused); the choice still holds for this page
  }
  window.dispatchEvent(new Event(THEME_EVENT));
}

/** The scheme in force: the explicit choice, else the system's. */
export function resolvedTheme(): "light" | "dark" {
  const c = readThemeChoice();
  if (c !== "system") return c;
  return typeof window !== "undefined" && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
}

/** Calls back whenever the scheme in force may have changed: the toggle, another tab, or the OS. */
export function onThemeChange(cb: () => void): () => void {
  const mq = window.matchMedia("(prefers-color-scheme: dark)");
  const onStorage = (e: StorageEvent) => {
    if (e.key !== THEME_STORAGE_KEY) return;
    document.documentElement.setAttribute("data-theme", isChoice(e.newValue) ? e.newValue : "system");
    cb();
  };
  window.addEventListener(THEME_EVENT, cb);
  window.addEventListener("storage", onStorage);
  mq.addEventListener("change", cb);
  return () => {
    window.removeEventListener(THEME_EVENT, cb);
    window.removeEventListener("storage", onStorage);
    mq.removeEventListener("change", cb);
  };
}
