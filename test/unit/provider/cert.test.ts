import { execFileSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { generateServerCert } from "../../../provider/plugin/cert.js";

const hasOpenssl = (() => {
  try {
    execFileSync("openssl", ["version"]);
    return true;
  } catch {
    return false;
  }
})();

describe("AutoMTLS server certificate", () => {
  const cert = generateServerCert();
  const x = new X509Certificate(cert.der);

  it("is a self-signed CA for localhost with serverAuth", () => {
    expect(x.ca).toBe(true);
    expect(x.subjectAltName).toBe("DNS:localhost");
    expect(x.checkHost("localhost")).toBe("localhost");
    expect(x.keyUsage).toEqual(["1.3.6.1.5.5.7.3.1"]); // Node names the EKU list "keyUsage"
    expect(x.checkIssued(x)).toBe(true);
    expect(x.verify(x.publicKey)).toBe(true);
    expect(x.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    expect(new Date(x.validFrom).getTime()).toBeLessThan(Date.now());
    expect(cert.certPem).toContain(cert.der.toString("base64").slice(0, 64));
  });

  it("has keyUsage keyCertSign + digitalSignature (critical) and basicConstraints critical", () => {
    // keyUsage extension: OID 2.5.29.15, critical, BIT STRING 0x84 with 2 unused bits.
    expect(cert.der.includes(Buffer.from("0603551d0f0101ff040403020284", "hex"))).toBe(true);
    expect(cert.der.includes(Buffer.from("0603551d130101ff040530030101ff", "hex"))).toBe(true);
  });

  it.skipIf(!hasOpenssl)("is accepted by OpenSSL as a TLS server cert rooted in itself", () => {
    const text = execFileSync("openssl", ["x509", "-noout", "-text"], { input: cert.certPem }).toString();
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Certificate Sign/);
    expect(text).toMatch(/CA:TRUE/);
    expect(text).toMatch(/TLS Web Server Authentication/);
  });

  it("is fast (the reason we hand-write DER)", () => {
    const t0 = performance.now();
    for (let i = 0; i < 10; i++) generateServerCert();
    expect((performance.now() - t0) / 10).toBeLessThan(20);
  });
});
