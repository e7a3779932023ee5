/**
 * @module core/mail/cms
 * CMS (RFC 5652) for S/MIME, streamed. The recipient infos and the signer info are built with pkijs and
 * asn1js (small, DER); the envelope around the content is written here in BER with indefinite lengths,
 * so a study of any size is encrypted in constant memory:
 * - EnvelopedData with AES-256-CBC (RFC 3565), the default every mail client opens;
 * - AuthEnvelopedData with AES-256-GCM (RFC 5083/5084: 12-byte nonce, 16-byte tag in `mac`), when the
 *   recipient is known to accept it (pkijs has no AuthEnvelopedData; its AES-GCM EnvelopedData is
 *   refused by OpenSSL);
 * - key transport RSAES-OAEP with SHA-256 (RFC 3560, parameters explicit) or RSA PKCS#1 v1.5 (RFC 3370)
 *   for recipients known to need it (gpgsm 2.2 opens only that); for EC certificates, key agreement:
 *   ephemeral-static ECDH with the X9.63 SHA-256 KDF and AES-256 key wrap (RFC 5753);
 * - a detached SignedData (RSA with SHA-256) over the canonical MIME entity, signed attributes sorted as
 *   DER requires: contentType, signingTime, messageDigest, SMIMECapabilities.
 */
import { constants, createCipheriv, createHash, diffieHellman, generateKeyPairSync, publicEncrypt, randomBytes, sign, X509Certificate, type Cipheriv, type CipherGCM, type KeyObject } from "node:crypto";
import * as asn1js from "asn1js";
import * as pkijs from "pkijs";

const OID = {
  data: "1.2.840.113549.1.7.1",
  signedData: "1.2.840.113549.1.7.2",
  envelopedData: "1.2.840.113549.1.7.3",
  authEnvelopedData: "1.2.840.113549.1.9.16.1.23",
  aes256Cbc: "2.16.840.1.101.3.4.1.42",
  aes256Gcm: "2.16.840.1.101.3.4.1.46",
  rsaEncryption: "1.2.840.113549.1.1.1",
  rsaesOaep: "1.2.840.113549.1.1.7",
  mgf1: "1.2.840.113549.1.1.8",
  sha256: "2.16.840.1.101.3.4.2.1",
  sha256WithRsa: "1.2.840.113549.1.1.11",
  contentType: "1.2.840.113549.1.9.3",
  messageDigest: "1.2.840.113549.1.9.4",
  signingTime: "1.2.840.113549.1.9.5",
  smimeCapabilities: "1.2.840.113549.1.9.15",
  ecPublicKey: "1.2.840.10045.2.1",
  /** dhSinglePass-stdDH-sha256kdf-scheme (RFC 5753 §7.1.4, SEC 1). */
  ecdhSha256Kdf: "1.3.132.1.11.1",
  aes256Wrap: "2.16.840.1.101.3.4.1.45",
} as const;

export type KeyTransport = "rsa-oaep-sha256" | "rsa-pkcs1v15";
export type ContentCipher = "aes-256-cbc" | "aes-256-gcm";

export interface CmsRecipient {
  /** The recipient's certificate, DER. */
  readonly certificate: Uint8Array;
  readonly keyTransport: KeyTransport;
}

const der = (x: { toBER(sizeOnly?: boolean): ArrayBuffer }): Buffer => Buffer.from(x.toBER(false));

function tlv(tag: number, body: Uint8Array): Buffer {
  const n = body.length;
  const len = n < 0x80 ? Buffer.from([n]) : (() => {
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    return Buffer.from([0x80 | bytes.length, ...bytes]);
  })();
  return Buffer.concat([Buffer.from([tag]), len, body]);
}

const oidDer = (oid: string): Buffer => der(new asn1js.ObjectIdentifier({ value: oid }));
const EOC = Buffer.from([0, 0]);

function sha256Algorithm(): pkijs.AlgorithmIdentifier {
  return new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256 });
}

/** ECDH key agreement (RFC 5753 §3.1.1): an ephemeral key on the recipient's curve, the KEK from the X9.63 KDF, the CEK wrapped. */
function keyAgreeInfo(cert: pkijs.Certificate, recipientKey: KeyObject, cek: Buffer): pkijs.RecipientInfo {
  const curve = recipientKey.asymmetricKeyDetails?.namedCurve;
  if (!curve) throw new Error("EC certificate without a named curve");
  const eph = generateKeyPairSync("ec", { namedCurve: curve });
  const z = diffieHellman({ privateKey: eph.privateKey, publicKey: recipientKey });
  const wrapAlg = new pkijs.AlgorithmIdentifier({ algorithmId: OID.aes256Wrap });
  // ECC-CMS-SharedInfo { keyInfo, suppPubInfo [2] = key length in bits }, the KDF's shared info.
  const sharedInfo = der(new asn1js.Sequence({
    value: [wrapAlg.toSchema(), new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 2 }, value: [new asn1js.OctetString({ valueHex: new Uint8Array([0, 0, 1, 0]) })] })],
  }));
  const kek = createHash("sha256").update(z).update(Buffer.from([0, 0, 0, 1])).update(sharedInfo).digest();
  const wrap = createCipheriv("id-aes256-wrap", kek, Buffer.from("A6A6A6A6A6A6A6A6", "hex"));
  const encryptedKey = Buffer.concat([wrap.update(cek), wrap.final()]);
  const point = eph.publicKey.export({ format: "der", type: "spki" });
  const spki = pkijs.PublicKeyInfo.fromBER(point);
  const kari = new pkijs.KeyAgreeRecipientInfo({
    version: 3,
    originator: new pkijs.OriginatorIdentifierOrKey({ variant: 3, value: new pkijs.OriginatorPublicKey({ algorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.ecPublicKey }), publicKey: spki.subjectPublicKey }) }),
    keyEncryptionAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.ecdhSha256Kdf, algorithmParams: wrapAlg.toSchema() }),
    recipientEncryptedKeys: new pkijs.RecipientEncryptedKeys({
      encryptedKeys: [new pkijs.RecipientEncryptedKey({
        rid: new pkijs.KeyAgreeRecipientIdentifier({ variant: 1, value: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }) }),
        encryptedKey: new asn1js.OctetString({ valueHex: new Uint8Array(encryptedKey) }),
      })],
    }),
  });
  return new pkijs.RecipientInfo({ variant: 2, value: kari });
}

function recipientInfo(r: CmsRecipient, cek: Buffer): pkijs.RecipientInfo {
  const cert = pkijs.Certificate.fromBER(r.certificate);
  const pem = `-----BEGIN CERTIFICATE-----\n${Buffer.from(r.certificate).toString("base64")}\n-----END CERTIFICATE-----\n`;
  const publicKey = new X509Certificate(pem).publicKey;
  if (publicKey.asymmetricKeyType === "ec") return keyAgreeInfo(cert, publicKey, cek);
  const oaep = r.keyTransport === "rsa-oaep-sha256";
  const encryptedKey = publicEncrypt(oaep ? { key: pem, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" } : { key: pem, padding: constants.RSA_PKCS1_PADDING }, cek);
  const keyEncryptionAlgorithm = oaep
    ? new pkijs.AlgorithmIdentifier({
        algorithmId: OID.rsaesOaep,
        algorithmParams: new pkijs.RSAESOAEPParams({ hashAlgorithm: sha256Algorithm(), maskGenAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.mgf1, algorithmParams: sha256Algorithm().toSchema() }) }).toSchema(),
      })
    : new pkijs.AlgorithmIdentifier({ algorithmId: OID.rsaEncryption, algorithmParams: new asn1js.Null() });
  const ktri = new pkijs.KeyTransRecipientInfo({
    version: 0,
    rid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
    keyEncryptionAlgorithm,
    encryptedKey: new asn1js.OctetString({ valueHex: new Uint8Array(encryptedKey) }),
  });
  return new pkijs.RecipientInfo({ variant: 1, value: ktri });
}

/**
 * Encrypts a stream into a CMS ContentInfo (BER, indefinite lengths): `header` first, then what `push`
 * and `finish` return. Every recipient can decrypt; the content-encryption key exists only here.
 */
export class CmsEnvelopeWriter {
  readonly header: Buffer;
  readonly #cipher: Cipheriv | CipherGCM;
  readonly #gcm: boolean;

  constructor(recipients: readonly CmsRecipient[], cipher: ContentCipher) {
    if (recipients.length === 0) throw new Error("CMS envelope without a recipient");
    this.#gcm = cipher === "aes-256-gcm";
    const cek = randomBytes(32);
    const iv = randomBytes(this.#gcm ? 12 : 16);
    this.#cipher = this.#gcm ? createCipheriv("aes-256-gcm", cek, iv, { authTagLength: 16 }) : createCipheriv("aes-256-cbc", cek, iv);
    const made = recipients.map((r) => recipientInfo(r, cek));
    const infos = made.map((r) => r.toSchema());
    // RFC 5652 §6.1: EnvelopedData is version 2 when a key agreement recipient is present; AuthEnvelopedData is always 0.
    const version = !this.#gcm && made.some((r) => r.variant === 2) ? 2 : 0;
    cek.fill(0);
    const algorithm = this.#gcm
      ? new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.aes256Gcm }), new asn1js.Sequence({ value: [new asn1js.OctetString({ valueHex: new Uint8Array(iv) }), new asn1js.Integer({ value: 16 })] })] })
      : new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: OID.aes256Cbc }), new asn1js.OctetString({ valueHex: new Uint8Array(iv) })] });
    this.header = Buffer.concat([
      Buffer.from([0x30, 0x80]), oidDer(this.#gcm ? OID.authEnvelopedData : OID.envelopedData), Buffer.from([0xa0, 0x80]),
      Buffer.from([0x30, 0x80]), der(new asn1js.Integer({ value: version })), der(new asn1js.Set({ value: infos })),
      Buffer.from([0x30, 0x80]), oidDer(OID.data), der(algorithm), Buffer.from([0xa0, 0x80]),
    ]);
  }

  push(plain: Uint8Array): Buffer {
    const c = this.#cipher.update(plain);
    return c.length === 0 ? c : tlv(0x04, c);
  }

  finish(): Buffer {
    const last = this.#cipher.final();
    const parts = [last.length > 0 ? tlv(0x04, last) : Buffer.alloc(0), EOC /* encryptedContent */, EOC /* EncryptedContentInfo */];
    if (this.#gcm) parts.push(tlv(0x04, (this.#cipher as CipherGCM).getAuthTag())); // mac
    parts.push(EOC /* (Auth)EnvelopedData */, EOC /* [0] */, EOC /* ContentInfo */);
    return Buffer.concat(parts);
  }
}

export interface CmsSigner {
  readonly certificate: Uint8Array;
  /** Intermediate certificates to include, DER. */
  readonly chain: readonly Uint8Array[];
  readonly privateKey: KeyObject;
}

function attribute(type: string, value: asn1js.AsnType): pkijs.Attribute {
  return new pkijs.Attribute({ type, values: [value] });
}

/** A detached SignedData (DER) over content whose SHA-256 is `digest`. */
export function detachedSignature(digest: Uint8Array, signer: CmsSigner, signingTime: Date): Buffer {
  const cert = pkijs.Certificate.fromBER(signer.certificate);
  const capabilities = new asn1js.Sequence({
    value: [OID.aes256Gcm, OID.aes256Cbc, OID.rsaesOaep].map((oid) => new asn1js.Sequence({ value: [new asn1js.ObjectIdentifier({ value: oid })] })),
  });
  // DER orders a SET OF by the encodings of its elements.
  const attrs = [
    attribute(OID.contentType, new asn1js.ObjectIdentifier({ value: OID.data })),
    attribute(OID.signingTime, new asn1js.UTCTime({ valueDate: signingTime })),
    attribute(OID.messageDigest, new asn1js.OctetString({ valueHex: new Uint8Array(digest) })),
    attribute(OID.smimeCapabilities, capabilities),
  ].sort((a, b) => Buffer.compare(der(a.toSchema()), der(b.toSchema())));
  const signedSet = der(new asn1js.Set({ value: attrs.map((a) => a.toSchema()) }));
  const signature = sign("sha256", signedSet, signer.privateKey);
  const signerInfo = new pkijs.SignerInfo({
    version: 1,
    sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
    digestAlgorithm: sha256Algorithm(),
    signedAttrs: new pkijs.SignedAndUnsignedAttributes({ type: 0, attributes: attrs }),
    signatureAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: OID.sha256WithRsa, algorithmParams: new asn1js.Null() }),
    signature: new asn1js.OctetString({ valueHex: new Uint8Array(signature) }),
  });
  const signedData = new pkijs.SignedData({
    version: 1,
    digestAlgorithms: [sha256Algorithm()],
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: OID.data }),
    certificates: [cert, ...signer.chain.map((c) => pkijs.Certificate.fromBER(c))],
    signerInfos: [signerInfo],
  });
  return der(new pkijs.ContentInfo({ contentType: OID.signedData, content: signedData.toSchema(true) }).toSchema());
}
