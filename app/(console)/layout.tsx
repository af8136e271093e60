import { cookies } from "next/headers";
import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { SESSION_COOKIE } from "@/server/contracts/auth";
import { ConsoleShell } from "../components/shell/console-shell";

/**
 * Without a session cookie there is nothing to show: go to the login page before rendering. A cookie that
 * has expired server-side is caught by the shell, which sends the user to /login on a 401 session check.
 */
export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const jar = await cookies();
  if (!jar.get(SESSION_COOKIE)) redirect("/login");
  return <ConsoleShell>{children}</ConsoleShell>;
}
