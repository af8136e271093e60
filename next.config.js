/** @type {import('next').NextConfig} */
const nextConfig = {
  poweredByHeader: false,
  // Workers, BullMQ and ioredis stay Node modules loaded at run time, not bundled.
  serverExternalPackages: ["bullmq", "ioredis", "pino", "prom-client", "protobufjs"],
};
export default nextConfig;
