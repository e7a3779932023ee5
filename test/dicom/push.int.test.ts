/**
 * DICOM push as a delivery channel, against real PACS: Rayvault's SCU sends a prepared study to dcmtk's
 * storescp (written bit-preserving) and to a real Orthanc (started here on free loopback ports with its
 * own storage); what they stored is byte-compared with what was prepared. A node without TLS or an
 * attested private network is refused; a recipient without a node cannot be pushed to; a node that does
 * not answer leaves the delivery retrying with the reason. A routing rule turns a study arriving from a
 * modality into a push, decided like any share. DICOM TLS: the listener takes storescu over TLS with a
 * client certificate and refuses plain TCP; the SCU pushes to storescp over TLS.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ctSliceFile, syntheticPatient } from "../fixtures/synthetic-dicom.ts";
import { datasetOf } from "../helpers/dicom-bytes.ts";
import { freePort, startRayvault } from "../helpers/rayvault-server.ts";
import { BIN, haveTool, runTool, tempDir } from "../helpers/run-cli.ts";
import { makeTestPki } from "../helpers/test-pki.ts";

const PASS = "violet tractor lantern quietly 91";
const dcmtkEnv = { ...process.env, TCP_NODELAY: "1" };
const sleep = (ms: number): Promise<void> => new Promise((ok) => setTimeout(ok, ms));

/** dcmtk's storescp as a PACS: every received data set written bit-preserving under `dir`. */
async function startStorescp(dir: string, aet: string, tls?: { keyPath: string; certPath: string; caPath: string }): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  const tlsArgs = tls ? ["+tls", tls.keyPath, tls.certPath, "+cf", tls.caPath, "-ic"] : [];
  const child = spawn("storescp", [...tlsArgs, "+B", "+xa", "-aet", aet, "-od", dir, String(port)], { env: dcmtkEnv, stdio: "ignore" });
  for (let i = 0; i < 50; i++) {
    const probe = runTool("echoscu", [...(tls ? ["+tls", tls.keyPath, tls.certPath, "+cf", tls.caPath] : []), "-aec", aet, "127.0.0.1", String(port)], { env: dcmtkEnv });
    if (probe.status === 0) break;
    await sleep(100);
  }
  return { port, child };
}

/**
 * The data sets storescp has written under `dir`, read again until each of `expected` is among them (or
 * ten seconds pass). A routed push is asynchronous, and storescp creates a file before it has written it:
 * a file read early may be partial.
 */
async function storedDataSets(dir: string, expected: Buffer[]): Promise<Buffer[]> {
  const read = (): Buffer[] => readdirSync(dir).flatMap((f) => {
    try {
      return [datasetOf(readFileSync(join(dir, f)))];
    } catch {
      return []; // not yet past its file meta
    }
  });
  let got = read();
  for (let i = 0; i < 100 && !expected.every((e) => got.some((g) => g.equals(e))); i++) {
    await sleep(100);
    got = read();
  }
  return got;
}

describe("DICOM push and routing", { skip: haveTool("storescp") && haveTool("storescu") ? false : "dcmtk needed" }, () => {
  const work = tempDir("push");
  const home = join(work, "home");
  const slices = [0, 1, 2].map((i) => ctSliceFile(71, i));
  const P = syntheticPatient(71);
  const pacsDir = join(work, "pacs");
  let pacs: { port: number; child: ChildProcess };
  const children: ChildProcess[] = [];

  const cli = (args: string[], stdin = "", extra: Record<string, string> = {}): { status: number; out: string } => {
    const r = runTool(process.execPath, [BIN, ...args], { env: { ...process.env, RAYVAULT_HOME: home, ...extra }, input: stdin });
    return { status: r.status, out: r.stdout + r.stderr };
  };
  const ok = (args: string[], stdin = "", extra: Record<string, string> = {}): string => {
    const r = cli(args, stdin, extra);
    assert.equal(r.status, 0, `${args.join(" ")}: ${r.out}`);
    return r.out;
  };
  const rcp = (out: string): string => /(rcp-[0-9a-f-]{36})/.exec(out)![1]!;
  const nodeId = (out: string): string => /(node-[0-9a-f-]{36})/.exec(out)![1]!;
  const provider = (name: string): string => {
    const id = rcp(ok(["recipient", "add", "--kind", "provider", "--name", name, "--npi", "1234567893"]));
    ok(["recipient", "verify-identity", id, "--method", "call-back"]);
    return id;
  };

  before(async () => {
    const input = join(work, "in");
    mkdirSync(input);
    slices.forEach((s, i) => writeFileSync(join(input, `s${i}.dcm`), s));
    ok(["import", input, "--purpose", "treatment"]);
    ok(["user", "add", "rad", "--role", "radiologist"], `${PASS}\n`);
    pacs = await startStorescp(pacsDir, "LAKESIDE");
    children.push(pacs.child);
  });
  after(() => {
    for (const c of children) c.kill();
  });

  it("refuses a recipient's node on plain TCP unless the network is attested private", () => {
    const id = provider("Lakeside Orthopedics");
    const plain = cli(["dicom", "node", "add", "--name", "Lakeside PACS", "--ae", "LAKESIDE", "--host", "127.0.0.1", "--port", String(pacs.port), "--recipient", id]);
    assert.equal(plain.status, 1);
    assert.match(plain.out, /DICOM TLS \(--tls\), or over plain TCP only on a network you attest is private/);
    const noNode = cli(["share", "--study", P.studyUid, "--to", id, "--purpose", "treatment", "--as", "rad", "--channel", "dicom-push"]);
    assert.equal(noNode.status, 3);
    assert.match(noNode.out, /DENY[\s\S]*no DICOM node for this recipient/);
  });

  it("pushes a study to dcmtk storescp: each data set stored is byte-identical to the one prepared; the disclosure is accounted", () => {
    const id = rcp(ok(["recipient", "list"]).split("\n").find((l) => l.includes("rcp-"))!);
    const node = nodeId(ok(["dicom", "node", "add", "--name", "Lakeside PACS", "--ae", "LAKESIDE", "--host", "127.0.0.1", "--port", String(pacs.port), "--recipient", id, "--private-network"]));
    assert.match(ok(["dicom", "echo", node]), /C-ECHO to node-[0-9a-f-]+: success/);
    const out = ok(["share", "--study", P.studyUid, "--to", id, "--purpose", "treatment", "--as", "rad", "--channel", "dicom-push"]);
    assert.match(out, /Channels: .*dicom-push/);
    assert.match(out, /delivery dlv-[0-9a-f-]+ \(dicom-push\): sent/);
    const received = readdirSync(pacsDir).map((f) => datasetOf(readFileSync(join(pacsDir, f))));
    assert.equal(received.length, 3);
    // A treatment disclosure to a provider is not cut (minimum necessary does not apply): prepared = imported.
    for (const s of slices) assert.ok(received.some((r) => r.equals(datasetOf(s))), "a slice arrives byte for byte");
    assert.match(ok(["accounting", "--all"], `${P.id}\n`), /dicom-push.*\[not accountable\]/);
    // The same share again is the same delivery: nothing is sent twice.
    assert.match(ok(["share", "--study", P.studyUid, "--to", id, "--purpose", "treatment", "--as", "rad", "--channel", "dicom-push"]), /already shared: delivery dlv-[0-9a-f-]+ is sent/);
    assert.equal(readdirSync(pacsDir).length, 3);
  });

  it("pushes to a real Orthanc; Orthanc's copy has the same data set", { skip: haveTool("Orthanc") ? false : "Orthanc not installed" }, async () => {
    const dir = join(work, "orthanc");
    mkdirSync(dir);
    const [dicomPort, httpPort] = [await freePort(), await freePort()];
    writeFileSync(join(dir, "orthanc.json"), JSON.stringify({ Name: "rayvault-test", StorageDirectory: join(dir, "db"), IndexDirectory: join(dir, "db"), DicomAet: "ORTHANC", DicomPort: dicomPort, HttpPort: httpPort, RemoteAccessAllowed: false, AuthenticationEnabled: false, DicomCheckCalledAet: true, Plugins: [], StorageCompression: false }));
    const orthanc = spawn("Orthanc", [join(dir, "orthanc.json")], { env: dcmtkEnv, stdio: "ignore" });
    children.push(orthanc);
    const api = `http://127.0.0.1:${httpPort}`;
    for (let i = 0; i < 100; i++) {
      if (await fetch(`${api}/system`).then((r) => r.ok, () => false)) break;
      await sleep(100);
    }
    const id = provider("Riverside Imaging");
    ok(["dicom", "node", "add", "--name", "Riverside Orthanc", "--ae", "ORTHANC", "--host", "127.0.0.1", "--port", String(dicomPort), "--recipient", id, "--private-network"]);
    assert.match(ok(["share", "--study", P.studyUid, "--to", id, "--purpose", "treatment", "--as", "rad", "--channel", "dicom-push"]), /\(dicom-push\): sent/);
    const ids = (await (await fetch(`${api}/instances`)).json()) as string[];
    assert.equal(ids.length, 3);
    for (const i of ids) {
      const file = Buffer.from(await (await fetch(`${api}/instances/${i}/file`)).arrayBuffer());
      assert.ok(slices.some((s) => datasetOf(s).equals(datasetOf(file))), "Orthanc stored a data set byte-identical to one prepared");
    }
  });

  it("leaves a push to a node that does not answer retrying, with the reason", async () => {
    const id = provider("Closed Clinic");
    const deadPort = await freePort();
    ok(["dicom", "node", "add", "--name", "Closed PACS", "--ae", "CLOSED", "--host", "127.0.0.1", "--port", String(deadPort), "--recipient", id, "--private-network"]);
    const r = cli(["share", "--study", P.studyUid, "--to", id, "--purpose", "treatment", "--as", "rad", "--channel", "dicom-push"]);
    assert.equal(r.status, 3);
    assert.match(r.out, /\(dicom-push\): retrying \S+ no association with CLOSED at 127\.0\.0\.1:\d+/);
    assert.match(ok(["outbox", "list"]), /dicom-push +retrying +attempts 1 .*\(no association with CLOSED/);
  });

  it("routes a study arriving from a modality to a recipient's PACS (each share decided); over DICOM TLS both ways", async () => {
    const pki = makeTestPki();
    const serverTls = pki.server();
    const modalityTls = pki.client("ct01");
    const tlsPacsDir = join(work, "tls-pacs");
    const tlsPacs = await startStorescp(tlsPacsDir, "SECUREPACS", { ...serverTls, caPath: pki.caPath });
    children.push(tlsPacs.child);
    const id = provider("Secure Hospital");
    ok(["dicom", "node", "add", "--name", "Secure PACS", "--ae", "SECUREPACS", "--host", "127.0.0.1", "--port", String(tlsPacs.port), "--recipient", id, "--tls"]);
    const modality = nodeId(ok(["dicom", "node", "add", "--name", "CT room 1", "--ae", "CT01", "--inbound"]));
    assert.match(ok(["dicom", "route", "add", "--from", modality, "--to", id, "--purpose", "treatment", "--channel", "dicom-push"]), /route route-[0-9a-f-]+ added/);
    const env = { RAYVAULT_HOME: home, RAYVAULT_DICOM_PORT: "0", RAYVAULT_DICOM_TLS_CERT: serverTls.certPath, RAYVAULT_DICOM_TLS_KEY: serverTls.keyPath, RAYVAULT_DICOM_TLS_CA: pki.caPath };
    const server = await startRayvault(env);
    try {
      assert.match(server.output(), /listening on 127\.0\.0\.1:\d+ \(DICOM TLS\)/);

      const files = [0, 1].map((i) => {
        const f = join(work, `route-${i}.dcm`);
        writeFileSync(f, ctSliceFile(72, i));
        return f;
      });
      const plain = runTool("storescu", ["-aet", "CT01", "-aec", "RAYVAULT", "127.0.0.1", String(server.dicomPort), ...files], { env: dcmtkEnv });
      assert.notEqual(plain.status, 0, "plain TCP is refused when the listener speaks TLS");
      const tls = runTool("storescu", ["+tls", modalityTls.keyPath, modalityTls.certPath, "+cf", pki.caPath, "-aet", "CT01", "-aec", "RAYVAULT", "127.0.0.1", String(server.dicomPort), ...files], { env: dcmtkEnv });
      assert.equal(tls.status, 0, tls.stdout + tls.stderr);
      const sent = files.map((f) => datasetOf(readFileSync(f)));
      const got = await storedDataSets(tlsPacsDir, sent);
      assert.equal(got.length, 2, "the routed study reached the secure PACS over TLS");
      for (const d of sent) assert.ok(got.some((g) => g.equals(d)), "a routed slice arrives byte for byte");
    } finally {
      await server.stop();
    }
    const audit = ok(["audit", "export", "--format", "csv"]);
    assert.match(audit, /route:route-[0-9a-f-]+,disclosure\.decide/);
    assert.match(audit, /system:outbox,disclosure\.send/);
  });
});
