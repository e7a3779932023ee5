/**
 * @module config/compose-vault
 * The composition root of the vault: database (migrated at open), keyrings, blob store, index and audit
 * log. Loaded only by the commands that need it, so `scan` and `deid` never load the database engines.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { dbDicomNodes } from "../adapters/db/db-dicom-nodes.ts";
import { dimseSender } from "../adapters/dicom-net/dimse-sender.ts";
import { ErrorCode, RayvaultError } from "../core/errors.ts";
import type { DicomNodeStore, DicomSender } from "../ports/dicom-network.ts";
import { openFsReceiveSpool } from "../adapters/spool/fs-receive-spool.ts";
import type { ReceiveSpool } from "../ports/receive-spool.ts";
import { fsInputCatalog } from "../adapters/inputs/fs-input-catalog.ts";
import { openFsBlobStore } from "../adapters/blob-store/fs-blob-store.ts";
import { dbAuditLog } from "../adapters/db/db-audit-log.ts";
import { dbCareTeam } from "../adapters/db/db-care-team.ts";
import { dbAlertQueue } from "../adapters/db/db-alert-queue.ts";
import { dbPolicyStore } from "../adapters/db/db-policy-store.ts";
import { dbRateCounter } from "../adapters/db/db-rate-counter.ts";
import type { RateCounter } from "../ports/rate-counter.ts";
import { libraryKeyReader } from "../adapters/keys/delivery-key-reader.ts";
import type { PortalDeps } from "../app/portal.ts";
import { dbDeliveryStore } from "../adapters/db/db-delivery-store.ts";
import { dbPortalStore } from "../adapters/db/db-portal-store.ts";
import { fileClinicIdentity } from "../adapters/keys/clinic-identity.ts";
import { dicomRenderer } from "../adapters/imaging/dicom-renderer.ts";
import { zipEntryReader } from "../adapters/archive/zip-entries.ts";
import { oidcSso } from "../adapters/identity/oidc-sso.ts";
import type { SsoProvider } from "../ports/sso.ts";
import { pixelDeps } from "./compose.ts";
import { smtpTransport } from "../adapters/mail/smtp-transport.ts";
import { webhookPusher } from "../adapters/alerts/webhook-pusher.ts";
import { dbImagingIndex } from "../adapters/db/db-imaging-index.ts";
import { dbUserDirectory } from "../adapters/db/db-user-directory.ts";
import { argon2TotpCredentials } from "../adapters/identity/credentials.ts";
import type { UserDeps } from "../app/manage-users.ts";
import type { CareDeps } from "../app/manage-care.ts";
import { openDatabase } from "../adapters/db/open-database.ts";
import { openFileAuditKey } from "../adapters/keys/file-audit-key.ts";
import { envKeyStore } from "../adapters/keys/env-key-store.ts";
import { openFileKeyStore } from "../adapters/keys/file-key-store.ts";
import type { KeyStore } from "../ports/key-store.ts";
import type { CheckpointSigner } from "../core/audit/audit-chain.ts";
import { nodeRandom } from "../adapters/random/node-random.ts";
import { sharpPhotoCodec } from "../adapters/photo/photo-codec.ts";
import type { ImportDeps } from "../app/import-files.ts";
import { deriveFieldKeys } from "../core/crypto/field-crypto.ts";
import type { RayvaultConfig } from "./load-config.ts";

/** The vault: database (migrated), keyrings, blob store, index and audit log. Close when done. */
export type VaultDeps = ImportDeps & UserDeps & CareDeps & PortalDeps & {
  readonly auditKey: CheckpointSigner;
  readonly vaultKeys: KeyStore;
  readonly dicomNodes: DicomNodeStore;
  readonly dicomSender: DicomSender;
  readonly dicomAeTitle: string;
  readonly spool: ReceiveSpool;
  /** Rate-limit windows shared by every instance. */
  readonly rateCounter: RateCounter;
  /** Hospital single sign-on, when configured. */
  readonly sso?: SsoProvider;
  close(): Promise<void>;
};

/**
 * The DICOM TLS material, read once: our certificate and key (the listener's, and ours when a node asks
 * the caller to prove itself) and the CA peers must chain to. A configured file that cannot be read stops
 * the command.
 */
export function dicomTlsMaterial(config: RayvaultConfig): { readonly ca?: string; readonly cert?: string; readonly key?: string } {
  const read = (path: string): string => {
    try {
      return readFileSync(path, "utf8");
    } catch {
      throw new RayvaultError(ErrorCode.KeyMissing, "a configured DICOM TLS file cannot be read");
    }
  };
  return {
    ...(config.dicomTlsCa ? { ca: read(config.dicomTlsCa) } : {}),
    ...(config.dicom?.tls ? { cert: read(config.dicom.tls.certPath), key: read(config.dicom.tls.keyPath) } : {}),
  };
}

export async function vaultDeps(config: RayvaultConfig): Promise<VaultDeps> {
  const pixels = pixelDeps(config);
  const database = await openDatabase(config.databaseUrl, config.databaseSchema ? { schemaName: config.databaseSchema } : {});
  const vaultKeys: KeyStore = config.masterKey ? envKeyStore(config.masterKey) : openFileKeyStore(join(config.home, "keys", "vault-keyring.json"), nodeRandom);
  // Column encryption has a keyring of its own, so rotating the blob master key touches no database row.
  const columnKeys = openFileKeyStore(join(config.home, "keys", "column-keyring.json"), nodeRandom);
  const now = (): string => new Date().toISOString();
  const fault = config.testFault;
  const spool = openFsReceiveSpool(join(config.home, "spool"), vaultKeys);
  const clinic = fileClinicIdentity(join(config.home, "keys"), config.mailFromAddress);
  return {
    inputs: fsInputCatalog,
    blobs: openFsBlobStore(config.blobRoot, vaultKeys, nodeRandom),
    vaultKeys,
    index: dbImagingIndex(database.db, now),
    audit: dbAuditLog(database.db),
    users: dbUserDirectory(database.db, now),
    care: dbCareTeam(database.db),
    alerts: dbAlertQueue(database.db),
    policy: dbPolicyStore(database.db),
    rateCounter: dbRateCounter(database.db),
    deliveries: dbDeliveryStore(database.db),
    dicomNodes: dbDicomNodes(database.db),
    dicomSender: dimseSender(dicomTlsMaterial(config)),
    dicomAeTitle: config.dicomAeTitle,
    spool,
    portal: dbPortalStore(database.db),
    publicUrl: config.publicUrl,
    clinic,
    trustAnchors: () => clinic.trustAnchors(),
    crls: () => clinic.crls(),
    ...(config.smtpUrl ? { transport: smtpTransport(config.smtpUrl, config.smtpCa, config.dkim) } : {}),
    mail: { from: config.mailFrom, address: config.mailFromAddress, maxBytes: config.mailMaxMb * 1e6, staleSeconds: config.outboxStaleSeconds },
    ...(fault && /^(mid|after)-send:/.test(fault)
      ? {
          deliveryFault: (point: string, n: number) => {
            if (fault === `${point}:${n}`) process.kill(process.pid, "SIGKILL");
          },
        }
      : {}),
    keyReader: libraryKeyReader,
    ...(config.alertWebhook ? { alertPusher: webhookPusher(config.alertWebhook) } : {}),
    credentials: argon2TotpCredentials,
    auditKey: openFileAuditKey(join(config.home, "keys")),
    fields: deriveFieldKeys(columnKeys.current().key),
    random: nodeRandom,
    photos: sharpPhotoCodec,
    renderer: dicomRenderer(),
    ...(config.oidc ? { sso: oidcSso(config.oidc) } : {}),
    archive: zipEntryReader(),
    pixels,
    now,
    ...(fault
      ? {
          fault: (point: string, n: number) => {
            if (fault === `${point}:${n}`) process.kill(process.pid, "SIGKILL");
          },
        }
      : {}),
    close: async () => {
      await pixels.recognizer.close();
      await spool.close();
      await database.close();
    },
  };
}
