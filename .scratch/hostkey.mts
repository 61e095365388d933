import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { execa } from "execa";
import { TerraformDir } from "../scripts/terraform-dir.js";
import { labHostTarget } from "../src/lab/targets.js";
import { sshUri } from "../src/lab/topology.js";
const KH = "/var/lib/livevirt-lab/ssh/known_hosts";
const tf = await TerraformDir.create();
const host = (h: "a" | "b") => { const t = labHostTarget(h); return { name: h, uri: h === "a" ? sshUri("a") : t.uri, migration_uri: t.migrationUri, shell: [...t.shell!] }; };
tf.writeConfig({
  terraform: { required_providers: { livevirt: { source: "livevirt/livevirt", version: "0.1.0" } } },
  provider: { livevirt: { host: [host("a"), host("b")] } },
  data: { livevirt_host: { a: { name: "a" } } },
});
await tf.run(["init", "-input=false", "-no-color"]);
copyFileSync(KH, "/tmp/exp/kh.bak2");
try {
  await execa("ssh", ["-O", "exit", "10.231.1.1"], { reject: false });
  const lines = readFileSync(KH, "utf8").trim().split("\n");
  const b = lines.find((l) => l.startsWith("10.231.1.2"))!;
  writeFileSync(KH, `10.231.1.1,lab-a ${b.split(" ").slice(1).join(" ")}\n${b}\n`);
  const r = await tf.run(["plan", "-input=false", "-no-color"], [0, 1]);
  console.log("exit", r.exitCode, "\n" + (r.stdout + r.stderr));
} finally {
  copyFileSync("/tmp/exp/kh.bak2", KH);
  tf.remove();
}
