/** PgStateBackend: a pg backend block that never carries the connection string's password. */
import { Testing, TerraformStack } from "cdktf";
import { testApp } from "./testing-app.js";
import { afterEach, describe, expect, it } from "vitest";
import { connStrProblem, PgStateBackend } from "../../../modules/index.js";
import { ExampleStack } from "../../../stacks/example.js";

const backendOf = (stack: TerraformStack) => (JSON.parse(Testing.synth(stack)) as { terraform: { backend?: unknown } }).terraform.backend;

function stackWith(props?: ConstructorParameters<typeof PgStateBackend>[1]): TerraformStack {
  const stack = new TerraformStack(testApp(), "s");
  new PgStateBackend(stack, props);
  return stack;
}

describe("PgStateBackend", () => {
  it("without connStr writes an empty pg block, so Terraform reads PG_CONN_STR at init", () => {
    expect(backendOf(stackWith())).toEqual({ pg: {} });
  });

  it("writes only the settings given, in Terraform's names", () => {
    const stack = stackWith({ connStr: "postgres://tf@db.example:5432/tfstate?sslmode=require", schemaName: "team_a", skipSchemaCreation: true });
    expect(backendOf(stack)).toEqual({
      pg: { conn_str: "postgres://tf@db.example:5432/tfstate?sslmode=require", schema_name: "team_a", skip_schema_creation: true },
    });
  });

  it("refuses a connStr with a password at synth, without showing it", () => {
    const stack = stackWith({ connStr: "postgres://tf:s3cret-pw@db.example/tfstate" });
    let message = "";
    try {
      Testing.synth(stack, true);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain("livevirt: s/backend: connStr");
    expect(message).toContain("contains a password");
    expect(message).toContain("PGPASSWORD");
    expect(message).not.toContain("s3cret-pw");
  });
});

describe("connStrProblem", () => {
  it.each([
    ["postgres://tf@db/tfstate", null],
    ["postgresql://db/tfstate?sslmode=disable", null],
    ["host=db user=tf dbname=tfstate", null],
    ["postgres://tf:pw@db/tfstate", "password"],
    ["postgres://tf@db/tfstate?password=pw", "password"],
    ["host=db user=tf password=pw dbname=tfstate", "password"],
    ["postgres://[bad", "not a valid"],
  ])("%s", (connStr, expected) => {
    const why = connStrProblem(connStr);
    if (expected === null) expect(why).toBeNull();
    else expect(why).toContain(expected);
  });
});

describe("example stack's state backend", () => {
  const saved = process.env.PG_CONN_STR;
  afterEach(() => {
    if (saved === undefined) delete process.env.PG_CONN_STR;
    else process.env.PG_CONN_STR = saved;
  });

  it("is local unless PG_CONN_STR is set", () => {
    delete process.env.PG_CONN_STR;
    expect(backendOf(new ExampleStack(testApp()))).toBeUndefined();
  });

  it("is pg, without the connection string, when PG_CONN_STR is set", () => {
    process.env.PG_CONN_STR = "postgres://tf@127.0.0.1:5432/tfstate?sslmode=disable";
    expect(backendOf(new ExampleStack(testApp()))).toEqual({ pg: {} });
  });

  it("follows an explicit option over the environment", () => {
    process.env.PG_CONN_STR = "postgres://tf@127.0.0.1:5432/tfstate";
    expect(backendOf(new ExampleStack(testApp(), undefined, { stateBackend: "local" }))).toBeUndefined();
  });
});
