"use client";

import { useSession } from "../../lib/hooks/use-session";
import { hasRole } from "../../lib/roles";
import { ApplicationsTable } from "./applications-table";
import { CreateApplicationForm } from "./create-application-form";

export function ApplicationsView() {
  const role = useSession().data?.user.role ?? "viewer";
  return (
    <>
      <div className="page-header">
        <div>
          <h1>Applications</h1>
          <p className="subtitle">Each application groups the function endpoints, ingresses and egresses of one StateFun module.</p>
        </div>
      </div>
      {hasRole(role, "admin") ? <CreateApplicationForm /> : null}
      <ApplicationsTable role={role} />
    </>
  );
}
