"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import type { z } from "zod";
import type { AddressPage as AddressPageSchema, AddressStatus as AddressStatusSchema } from "@/server/contracts/state";
import type { FunctionType as FunctionTypeSchema } from "@/server/contracts/registry";
import { apiJson } from "../api";
import { keys } from "./keys";

export type AddressPage = z.infer<typeof AddressPageSchema>;
export type AddressSummary = AddressPage["addresses"][number];
export type AddressStatus = z.infer<typeof AddressStatusSchema>;
export type FunctionTypeInfo = z.infer<typeof FunctionTypeSchema>;

/** Rows per page of the address browser. */
export const ADDRESS_PAGE_SIZE = 50;
/** The status column is live: poll as the issue asks (≤ 2 s), paused while the tab is hidden. */
const LIVE_MS = 2000;
/** Counts per type are maintained counters, not scans, but nobody needs them faster than this. */
const COUNTS_MS = 10_000;

export function useFunctionTypes() {
  return useQuery({
    queryKey: keys.functions,
    queryFn: ({ signal }) => apiJson<{ functions: FunctionTypeInfo[] }>("/api/v1/functions", { signal }),
    select: (d) => d.functions,
    refetchInterval: COUNTS_MS,
    refetchIntervalInBackground: false,
  });
}

export interface AddressQuery {
  prefix: string | null;
  cursor: string | null;
  /** Jump to this exact id. */
  id: string | null;
}

export function useAddressPage(namespace: string, type: string, q: AddressQuery) {
  return useQuery({
    queryKey: keys.addressList(namespace, type, q),
    queryFn: ({ signal }) =>
      apiJson<AddressPage>(`/api/v1/state/${encodeURIComponent(namespace)}/${encodeURIComponent(type)}`, {
        signal,
        query: { prefix: q.prefix, cursor: q.cursor, id: q.id, limit: ADDRESS_PAGE_SIZE },
      }),
    placeholderData: keepPreviousData,
    refetchInterval: LIVE_MS,
    refetchIntervalInBackground: false,
  });
}
