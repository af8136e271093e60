import type { Metadata, Viewport } from "next";
import type { ReactNode } from "react";
import { Providers } from "./providers";
import { THEME_BOOT_SCRIPT } from "./lib/theme";
// Split by seam: tokens + base elements, the shell and page furniture, buttons/forms/feedback, tables and views.
import "./styles/base.css";
import "./styles/layout.css";
import "./styles/controls.css";
import "./styles/views.css";

export const metadata: Metadata = {
  title: { default: "Statehouse", template: "%s · Statehouse" },
  description: "Stateful Functions control plane and console",
};

export const viewport: Viewport = {
  colorScheme: "light dark",
  themeColor: [
    { media: "(prefers-color-scheme: light)", color: "#f7f8fa" },
    { media: "(prefers-color-scheme: dark)", color: "#111418" },
  ],
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    // data-theme is set by the boot script before paint, so React must accept the attribute it finds there
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: THEME_BOOT_SCRIPT }} />
      </head>
      <body>
        <Providers>{children}</Providers>
      </body>
    </html>
  );
}
