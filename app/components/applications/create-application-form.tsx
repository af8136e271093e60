"use client";

import Link from "next/link";
import { useState, type FormEvent } from "react";
import { CreateApplication } from "@/server/contracts/registry";
import { useCreateApplication } from "../../lib/hooks/use-applications";
import { ErrorAlert } from "../error-alert";
import { Field } from "../field";

export function CreateApplicationForm() {
  const create = useCreateApplication();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [nameError, setNameError] = useState<string | null>(null);
  const [created, setCreated] = useState<string | null>(null);

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    setCreated(null);
    const parsed = CreateApplication.safeParse({ name, description: description || undefined });
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      setNameError(`Name ${issue?.message ?? "is invalid"}`);
      return;
    }
    setNameError(null);
    create.mutate(parsed.data, {
      onSuccess: (app) => {
        setCreated(app.name);
        setName("");
        setDescription("");
      },
    });
  }

  return (
    <section className="card" aria-labelledby="create-app-heading">
      <h2 id="create-app-heading">Create application</h2>
      <form onSubmit={onSubmit} noValidate>
        <div className="form-grid">
          <Field
            label="Name"
            name="name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
            autoComplete="off"
            spellCheck={false}
            placeholder="greeter"
            hint="Lowercase letters, digits and dashes; at most 63 characters."
            error={nameError}
          />
          <Field
            className="span-2"
            label="Description"
            name="description"
            value={description}
            onChange={(e) => setDescription(e.target.value)}
            placeholder="What the functions in this application do"
            hint="Optional."
          />
        </div>
        <ErrorAlert error={create.error} />
        <div className="form-actions">
          <button type="submit" className="btn btn-primary" disabled={create.isPending}>
            {create.isPending ? "Creating…" : "Create application"}
          </button>
          <span aria-live="polite" className="small">
            {created ? (
              <>
                Created <Link href={`/applications/${encodeURIComponent(created)}`}>{created}</Link>.
              </>
            ) : null}
          </span>
        </div>
      </form>
    </section>
  );
}
