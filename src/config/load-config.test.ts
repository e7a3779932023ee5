import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { loadConfig } from "./load-config.ts";
import { isAeTitle } from "../core/dicom/ae-title.ts";

describe("configuration of the DICOM network", () => {
  it("listens only when asked, on loopback by default, as RAYVAULT", () => {
    const off = loadConfig({ RAYVAULT_HOME: "/tmp/x" });
    assert.equal(off.dicom, undefined);
    assert.equal(off.dicomAeTitle, "RAYVAULT");
    const on = loadConfig({ RAYVAULT_HOME: "/tmp/x", RAYVAULT_DICOM_PORT: "11112", RAYVAULT_DICOM_AE: "CLINIC_GW" });
    assert.deepEqual(on.dicom, { host: "127.0.0.1", port: 11112 });
    assert.equal(on.dicomAeTitle, "CLINIC_GW");
  });

  it("refuses bad settings with a reason: port, AE title, half a TLS pair", () => {
    assert.throws(() => loadConfig({ RAYVAULT_DICOM_PORT: "70000" }), /RAYVAULT_DICOM_PORT/);
    assert.throws(() => loadConfig({ RAYVAULT_DICOM_AE: "A\\B" }), /RAYVAULT_DICOM_AE/);
    assert.throws(() => loadConfig({ RAYVAULT_DICOM_AE: "SEVENTEEN_CHARS_X" }), /RAYVAULT_DICOM_AE/);
    assert.throws(() => loadConfig({ RAYVAULT_DICOM_PORT: "1", RAYVAULT_DICOM_TLS_CERT: "/c.pem" }), /both RAYVAULT_DICOM_TLS_CERT and RAYVAULT_DICOM_TLS_KEY/);
  });

  it("AE titles: 1–16 printable characters, no backslash, no surrounding spaces", () => {
    for (const ok of ["CT01", "ORTHANC", "A", "SIXTEEN_CHARS_XX", "MR 2"]) assert.equal(isAeTitle(ok), true, ok);
    for (const bad of ["", " CT", "CT ", "A\\B", "SEVENTEEN_CHARS_X", "TAB\tX", "É"]) assert.equal(isAeTitle(bad), false, bad);
  });

  it("single sign-on: all three settings or none; https issuers, or http on loopback only", () => {
    const sso = { RAYVAULT_OIDC_ISSUER: "https://sso.hospital.test/realms/staff", RAYVAULT_OIDC_CLIENT_ID: "rayvault", RAYVAULT_OIDC_CLIENT_SECRET: "s3cret" };
    assert.deepEqual(loadConfig(sso).oidc, { issuer: sso.RAYVAULT_OIDC_ISSUER, clientId: "rayvault", clientSecret: "s3cret" });
    assert.equal(loadConfig({ RAYVAULT_HOME: "/tmp/x" }).oidc, undefined);
    assert.ok(loadConfig({ ...sso, RAYVAULT_OIDC_ISSUER: "http://127.0.0.1:9999" }).oidc);
    assert.throws(() => loadConfig({ ...sso, RAYVAULT_OIDC_ISSUER: "http://sso.hospital.test" }), /RAYVAULT_OIDC_ISSUER/);
    assert.throws(() => loadConfig({ RAYVAULT_OIDC_ISSUER: sso.RAYVAULT_OIDC_ISSUER }), /needs RAYVAULT_OIDC_ISSUER, RAYVAULT_OIDC_CLIENT_ID and RAYVAULT_OIDC_CLIENT_SECRET/);
  });

  it("trusted proxies: addresses or CIDRs only", () => {
    assert.deepEqual(loadConfig({ RAYVAULT_TRUST_PROXY: "10.0.0.5, 10.1.0.0/16" }).trustProxy, ["10.0.0.5", "10.1.0.0/16"]);
    assert.equal(loadConfig({}).trustProxy, undefined);
    assert.throws(() => loadConfig({ RAYVAULT_TRUST_PROXY: "true" }), /RAYVAULT_TRUST_PROXY/);
  });
});
