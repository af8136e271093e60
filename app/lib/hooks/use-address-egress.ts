"use client";

import { useQueries, useQuery } from "@tanstack/react-query";
import type { z } from "zod";
import type { EgressPage } from "@/server/contracts/egress";
import { apiJson, appPath } from "../api";
import type { ApplicationDetail } from "../types";
import { keys } from "./keys";
import { useFunctionTypes } from "./use-functions";
import type { AddressRef } from "./use-address";

export type EgressRecord = z.infer<typeof EgressPage>["records"][number];

/** Records of each egress read back from its newest end to find this address's: enough for a busy stream's last minutes. */
const EGRESS_WINDOW = 200;

/** The function type's binding (application, endpoint) and the application's egresses and declared state. */
export function useAddressContext(a: AddressRef) {
  const functions = useFunctionTypes();
  const fn = functions.data?.find((f) => f.functionType === `${a.namespace}/${a.type}`) ?? null;
  const app = fn?.application ?? null;
  const application = useQuery({
    queryKey: keys.application(app ?? ""),
    queryFn: ({ signal }) => apiJson<ApplicationDetail>(appPath(app!), { signal }),
    enabled: app !== null,
    staleTime: 30_000,
  });
  return { fn, app, application: application.data ?? null, isPending: functions.isPending || (app !== null && application.isPending) };
}

export interface EgressFromAddress {
  egress: string;
  records: EgressRecord[];
  /** The newest records of the stream were read; older ones from this address may exist. */
  window: number;
  error: unknown;
  isPending: boolean;
}

/** What this address emitted recently, per egress of its application (refetched when its version moves). */
export function useEgressFromAddress(a: AddressRef, app: string | null, egresses: string[]): EgressFromAddress[] {
  const address = `${a.namespace}/${a.type}/${a.id}`;
  const results = useQueries({
    queries: egresses.map((egress) => {
      const slash = egress.indexOf("/");
      return {
        queryKey: [...keys.addressEgress(a.namespace, a.type, a.id, egress), app],
        queryFn: ({ signal }: { signal: AbortSignal }) =>
          apiJson<z.infer<typeof EgressPage>>(`/api/v1/egress/${encodeURIComponent(egress.slice(0, slash))}/${encodeURIComponent(egress.slice(slash + 1))}`, {
            query: { application: app, from: "end", limit: EGRESS_WINDOW },
            signal,
          }),
        enabled: app !== null && slash > 0,
      };
    }),
  });
  return egresses.map((egress, i) => ({
    egress,
    records: (results[i].data?.records ?? []).filter((r) => r.source === address).reverse(),
    window: EGRESS_WINDOW,
    error: results[i].error,
    isPending: results[i].isPending,
  }));
}
