/**
 * The audit chain: edits, deletions, insertions and reorderings are found at the first bad record;
 * Merkle roots match the RFC 6962 test vectors; every inclusion proof verifies and a wrong one fails;
 * OpenSSL verifies the Ed25519 checkpoint signature from the signed text alone.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { tempDir } from "../../../test/helpers/run-cli.ts";
import {
  chainRecord, checkpointMessage, inclusionProof, merkleRoot, recordHash, signCheckpoint, verifyChain, verifyCheckpoint, verifyInclusion,
  type AuditEvent, type AuditRecord,
} from "./audit-chain.ts";

function event(i: number): AuditEvent {
  return { time: `2026-11-23T10:00:${String(i % 60).padStart(2, "0")}Z`, actor: `user:u${i % 3}`, action: i % 2 ? "study.view" : "study.import", objects: [`study:s${i}`], purpose: "treatment", outcome: "success" };
}

function log(n: number): AuditRecord[] {
  const out: AuditRecord[] = [];
  for (let i = 0; i < n; i++) out.push(chainRecord(out.at(-1), event(i)));
  return out;
}

describe("audit hash chain", () => {
  it("verifies an intact log and names its head", () => {
    const records = log(10);
    const v = verifyChain(records);
    assert.deepEqual(v, { ok: true, count: 10, head: records[9]!.hash });
  });

  it("finds an edited record", () => {
    const records = log(10);
    records[4] = { ...records[4]!, actor: "user:intruder" };
    assert.deepEqual(verifyChain(records), { ok: false, firstBad: 5, reason: "record 5 was altered" });
  });

  it("finds an edit that recomputed the record's own hash, at the next record", () => {
    const records = log(10);
    const edited = { ...records[4]!, outcome: "refused" as const };
    records[4] = { ...edited, hash: recordHash(edited.seq, edited.prevHash, edited) };
    const v = verifyChain(records);
    assert.equal(v.ok, false);
    assert.equal(!v.ok && v.firstBad, 6);
  });

  it("finds a deleted record", () => {
    const records = log(10);
    records.splice(6, 1);
    assert.deepEqual(verifyChain(records), { ok: false, firstBad: 8, reason: "records 7–7 are missing here (deleted or moved)" });
  });

  it("finds a deleted tail only against a checkpoint", () => {
    const records = log(10);
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const cp = signCheckpoint(records, "2026-11-23T11:00:00Z", "audit-1", privateKey);
    assert.equal(verifyChain(records.slice(0, 8)).ok, true, "a truncated chain is still a chain");
    assert.equal(verifyCheckpoint(cp, records.slice(0, 8), publicKey), false, "the checkpoint catches it");
  });

  it("finds an inserted record and reordered records", () => {
    const records = log(10);
    const forged = chainRecord(records[2], event(99));
    const inserted = [...records.slice(0, 3), forged, ...records.slice(3)];
    const v = verifyChain(inserted);
    assert.equal(!v.ok && v.firstBad, 4);
    const swapped = [...records];
    [swapped[3], swapped[4]] = [swapped[4]!, swapped[3]!];
    assert.deepEqual(verifyChain(swapped), { ok: false, firstBad: 5, reason: "records 4–4 are missing here (deleted or moved)" });
  });
});

describe("Merkle tree (RFC 6962)", () => {
  // RFC 6962 / certificate-transparency test vectors: leaf data and the root of the first n leaves.
  const leaves = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"];
  const roots = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
  ];

  it("computes the published roots", () => {
    for (let n = 1; n <= 8; n++) assert.equal(merkleRoot(leaves.slice(0, n)), roots[n - 1], `n=${n}`);
  });

  it("proves every record present in every tree size, and rejects wrong proofs", () => {
    const hashes = log(13).map((r) => r.hash);
    for (let size = 1; size <= hashes.length; size++) {
      const tree = hashes.slice(0, size);
      const root = merkleRoot(tree);
      for (let i = 0; i < size; i++) {
        const proof = inclusionProof(tree, i);
        assert.equal(verifyInclusion(tree[i]!, i, size, proof, root), true, `size ${size} index ${i}`);
        if (size > 1) assert.equal(verifyInclusion(tree[(i + 1) % size]!, i, size, proof, root), false);
      }
    }
  });
});

describe("signed checkpoints", () => {
  it("verify with the audit public key, and OpenSSL agrees on the signature", () => {
    const records = log(7);
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const cp = signCheckpoint(records, "2026-11-23T11:00:00Z", "audit-2026", privateKey);
    assert.equal(verifyCheckpoint(cp, records, publicKey), true);
    assert.equal(verifyCheckpoint({ ...cp, root: cp.root.replace(/^./, (c) => (c === "0" ? "1" : "0")) }, records, publicKey), false);
    const dir = tempDir("audit");
    const { signature, ...unsigned } = cp;
    writeFileSync(join(dir, "msg"), checkpointMessage(unsigned));
    writeFileSync(join(dir, "sig"), Buffer.from(signature, "base64"));
    writeFileSync(join(dir, "pub.pem"), publicKey.export({ type: "spki", format: "pem" }));
    const ok = spawnSync("openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", join(dir, "pub.pem"), "-rawin", "-in", join(dir, "msg"), "-sigfile", join(dir, "sig")], { encoding: "utf8" });
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    writeFileSync(join(dir, "msg"), checkpointMessage({ ...unsigned, treeSize: 6 }));
    const bad = spawnSync("openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", join(dir, "pub.pem"), "-rawin", "-in", join(dir, "msg"), "-sigfile", join(dir, "sig")], { encoding: "utf8" });
    assert.notEqual(bad.status, 0);
  });
});
