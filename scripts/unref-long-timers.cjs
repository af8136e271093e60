// The Prisma 6 wasm schema engine leaves a 10–60 s timer armed after its work is done, so every CLI
// command would linger (stack.md P6). Unref long timers in the CLI process only.
const orig = global.setTimeout;
global.setTimeout = function (fn, ms, ...args) {
  const t = orig(fn, ms, ...args);
  if (typeof ms === "number" && ms >= 5000 && t && typeof t.unref === "function") t.unref();
  return t;
};
