/**
 * Team state: a stack's Terraform state in PostgreSQL (Terraform's `pg` backend), so that several
 * people (or CI) deploying the same stack share one state, and Terraform's state lock refuses a
 * second `cdktf deploy` while one is running. See docs/team-state.md.
 *
 * Why a wrapper around cdktf's PgBackend: that one requires `connStr`, and whatever it is given
 * is written into cdktf.out/stacks/<stack>/cdk.tf.json and Terraform's .terraform/ — in clear.
 * Here `connStr` is optional: left out, the block is `backend "pg" {}` and Terraform reads
 * PG_CONN_STR from the environment at `terraform init` (its documented variable), so the
 * connection string is never written by us. A connStr that carries a password is refused at
 * synth; the password belongs in PGPASSWORD or ~/.pgpass (libpq's usual places, which Terraform's
 * PostgreSQL driver reads too).
 */
import { PgBackend, type PgBackendConfig } from "cdktf";
import type { Construct } from "constructs";
import { problem } from "./validation.js";

export interface PgStateBackendProps extends Omit<PgBackendConfig, "connStr"> {
  /**
   * postgres://user@host:port/database?sslmode=… — without a password.
   * @default unset: Terraform reads PG_CONN_STR (and PGPASSWORD etc.) from the environment
   */
  readonly connStr?: string;
}

/** Why a connection string must not be written into the synthesized stack, or null when it may. */
export function connStrProblem(connStr: string): string | null {
  if (/^postgres(ql)?:\/\//i.test(connStr)) {
    let url: URL;
    try {
      url = new URL(connStr);
    } catch {
      return "it is not a valid postgres:// URL";
    }
    if (url.password !== "" || url.searchParams.has("password")) return "it contains a password, which would be written in clear into cdktf.out and .terraform";
    return null;
  }
  // libpq's keyword form: host=… user=… password=…
  if (/(^|\s)password\s*=/i.test(connStr)) return "it contains a password, which would be written in clear into cdktf.out and .terraform";
  return null;
}

export class PgStateBackend extends PgBackend {
  private readonly given: PgStateBackendProps;

  constructor(scope: Construct, props: PgStateBackendProps = {}) {
    // PgBackend only stores its props; synthesizeAttributes below decides what is written.
    super(scope, props as PgBackendConfig);
    this.given = props;
    this.node.addValidation({
      validate: () => {
        const why = props.connStr === undefined ? null : connStrProblem(props.connStr);
        return why
          ? [
              problem(
                this.node.path,
                "connStr",
                "(not shown)",
                why,
                "leave connStr out and export PG_CONN_STR, or give it without the password and put that in PGPASSWORD or ~/.pgpass",
              ),
            ]
          : [];
      },
    });
  }

  /** Only what was set: an absent conn_str must stay absent for Terraform to read PG_CONN_STR. */
  protected override synthesizeAttributes(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    const names: Record<keyof PgStateBackendProps, string> = {
      connStr: "conn_str",
      schemaName: "schema_name",
      skipSchemaCreation: "skip_schema_creation",
      skipTableCreation: "skip_table_creation",
      skipIndexCreation: "skip_index_creation",
    };
    for (const [key, name] of Object.entries(names) as [keyof PgStateBackendProps, string][]) {
      if (this.given[key] !== undefined) out[name] = this.given[key];
    }
    return out;
  }

  protected override synthesizeHclAttributes(): Record<string, unknown> {
    return this.synthesizeAttributes();
  }
}
