// The Prisma 6 CLI warns on every command that the schema's `url` is not used with a driver adapter — but the 6.x
// CLI needs that `url` to read the schema at all (stack.md P3), so the warning can never be acted on. It is one
// write to stdout; drop exactly that write in the CLI process, nothing else.
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = function (chunk, ...rest) {
  if (typeof chunk === "string" && chunk.includes("Your schema specifies the following datasource properties but you are using a Driver Adapter")) {
    const cb = rest.find((x) => typeof x === "function");
    if (cb) cb();
    return true;
  }
  return write(chunk, ...rest);
};
