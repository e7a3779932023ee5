/**
 * A small test PKI made with the openssl command line (an independent implementation): a CA, RSA
 * recipients for S/MIME encryption and a signer for the clinic, each with its e-mail in subjectAltName,
 * as PEM files in a temporary folder, plus a PKCS#12 for tools that import one (gpgsm).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { runTool, tempDir } from "./run-cli.ts";

export interface TestIdentity {
  readonly email: string;
  readonly certPath: string;
  readonly keyPath: string;
  readonly p12Path: string;
  readonly certDer: Uint8Array;
}

export interface TestPki {
  readonly dir: string;
  readonly caPath: string;
  readonly caDer: Uint8Array;
  issue(email: string, usage: "encrypt" | "encrypt-ec" | "sign", days?: number): TestIdentity;
  /** A CRL (PEM) from the CA revoking these identities' certificates, made by `openssl ca -gencrl`. */
  revoke(ids: readonly TestIdentity[]): string;
  /** A TLS server certificate for 127.0.0.1 (SAN IP and DNS localhost). */
  server(): { readonly certPath: string; readonly keyPath: string };
  /** A TLS client certificate (clientAuth), e.g. for a DICOM TLS caller. */
  client(name: string): { readonly certPath: string; readonly keyPath: string };
}

function openssl(args: string[]): void {
  const r = runTool("openssl", args);
  if (r.status !== 0) throw new Error(`openssl ${args[0]}: ${r.stderr}`);
}

/** Writes (again) the identity's PKCS#12 file, passphrase "test", with a fresh random salt. */
export function exportPkcs12(id: TestIdentity): void {
  openssl(["pkcs12", "-export", "-in", id.certPath, "-inkey", id.keyPath, "-out", id.p12Path, "-passout", "pass:test", "-name", id.email,
    // gpgsm 2.2 reads only the older PKCS#12 encryption.
    "-keypbe", "PBE-SHA1-3DES", "-certpbe", "PBE-SHA1-3DES", "-macalg", "sha1"]);
}

export function makeTestPki(): TestPki {
  const dir = tempDir("pki");
  const caKey = join(dir, "ca.key");
  const caPath = join(dir, "ca.pem");
  openssl(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey, "-out", caPath, "-days", "30", "-subj", "/CN=Rayvault Test CA", "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]);
  let serial = 1;
  return {
    dir, caPath, caDer: new X509Certificate(readFileSync(caPath)).raw,
    issue(email, usage, days = 30) {
      const base = join(dir, email.replace(/[^a-z0-9]/gi, "_"));
      const ext = `${base}.ext`;
      const ku = usage === "encrypt" ? "keyEncipherment,dataEncipherment" : usage === "encrypt-ec" ? "keyAgreement" : "digitalSignature,nonRepudiation";
      runTool("sh", ["-c", `printf 'subjectAltName=email:${email}\\nkeyUsage=critical,${ku}\\nextendedKeyUsage=emailProtection\\n' > '${ext}'`]);
      const key = usage === "encrypt-ec" ? ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"] : ["-newkey", "rsa:2048"];
      openssl(["req", ...key, "-nodes", "-keyout", `${base}.key`, "-out", `${base}.csr`, "-subj", `/CN=${email}`]);
      openssl(["x509", "-req", "-in", `${base}.csr`, "-CA", caPath, "-CAkey", caKey, "-set_serial", String(++serial), "-days", String(days), "-extfile", ext, "-out", `${base}.pem`]);
      const id = { email, certPath: `${base}.pem`, keyPath: `${base}.key`, p12Path: `${base}.p12`, certDer: new X509Certificate(readFileSync(`${base}.pem`)).raw };
      exportPkcs12(id);
      return id;
    },
    revoke(ids) {
      const lines = ids.map((id) => {
        const x = new X509Certificate(readFileSync(id.certPath));
        const fmt = (d: Date): string => d.toISOString().replace(/[-:T]/g, "").slice(2, 14) + "Z";
        return `R\t${fmt(new Date(x.validTo))}\t${fmt(new Date())}\t${x.serialNumber}\tunknown\t/CN=${id.email}`;
      });
      const index = join(dir, "index.txt");
      writeFileSync(index, `${lines.join("\n")}\n`);
      writeFileSync(join(dir, "crlnumber"), "01\n");
      writeFileSync(join(dir, "ca.cnf"), `[ ca ]\ndefault_ca = t\n[ t ]\ndatabase = ${index}\ncrlnumber = ${join(dir, "crlnumber")}\ndefault_md = sha256\ndefault_crl_days = 7\n`);
      const crl = join(dir, "ca.crl.pem");
      openssl(["ca", "-gencrl", "-config", join(dir, "ca.cnf"), "-keyfile", caKey, "-cert", caPath, "-out", crl]);
      return crl;
    },
    server() {
      const base = join(dir, "server");
      runTool("sh", ["-c", `printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > '${base}.ext'`]);
      openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${base}.key`, "-out", `${base}.csr`, "-subj", "/CN=localhost"]);
      openssl(["x509", "-req", "-in", `${base}.csr`, "-CA", caPath, "-CAkey", caKey, "-set_serial", String(++serial), "-days", "30", "-extfile", `${base}.ext`, "-out", `${base}.pem`]);
      return { certPath: `${base}.pem`, keyPath: `${base}.key` };
    },
    client(name) {
      const base = join(dir, `client-${name}`);
      runTool("sh", ["-c", `printf 'extendedKeyUsage=clientAuth\n' > '${base}.ext'`]);
      openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", `${base}.key`, "-out", `${base}.csr`, "-subj", `/CN=${name}`]);
      openssl(["x509", "-req", "-in", `${base}.csr`, "-CA", caPath, "-CAkey", caKey, "-set_serial", String(++serial), "-days", "30", "-extfile", `${base}.ext`, "-out", `${base}.pem`]);
      return { certPath: `${base}.pem`, keyPath: `${base}.key` };
    },
  };
}

export function privateKeyOf(id: TestIdentity): ReturnType<typeof createPrivateKey> {
  return createPrivateKey(readFileSync(id.keyPath));
}
