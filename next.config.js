/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // Workers, BullMQ and ioredis stay Node modules loaded at run time, not bundled.
  serverExternalPackages: ["bullmq", "ioredis", "pino", "pino-pretty", "prom-client", "protobufjs"],
  experimental: {
    // A request the proxy runs for (a path holding `%`: proxy.ts) has its body buffered up to this, and cut
    // beyond it: our own limits (the ingress's 32 MiB) must come first.
    proxyClientMaxBodySize: "33mb",
  },
};
export default nextConfig;
