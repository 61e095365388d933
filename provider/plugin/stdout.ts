/**
 * stdout belongs to the go-plugin handshake line (written with fs.writeSync(1, …)); anything a
 * library or a stray console.log would print there corrupts Terraform's view of the plugin.
 */
export function reserveStdout(): void {
  const toStderr = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  process.stdout.write = toStderr;
  console.log = console.info = console.debug = console.error;
}
