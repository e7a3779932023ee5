/**
 * @module interfaces/dicom/store-scp
 * The DICOM listener (dcmjs-dimse under our own net/tls server, bound to the configured host only, with
 * TCP_NODELAY): Verification (C-ECHO) and every Storage SOP class (C-STORE), each in any of the common
 * transfer syntaxes, accepted as it is — never transcoded. Thin: which calling AE titles are accepted
 * and what happens to an instance are the receiver's (app/receive-dicom); this module only speaks the
 * protocol. A refused AE gets an A-ASSOCIATE-RJ with the reason, an unsupported SOP class a rejected
 * presentation context, a failed store its DIMSE status — never a dropped connection.
 */
import { createServer as createTcpServer, type AddressInfo, type Server as NetServer, type Socket } from "node:net";
import { createServer as createTlsServer } from "node:tls";
import { Writable } from "node:stream";
import type { requests, responses } from "dcmjs-dimse";
import { dimse, encodeOwnCommand, type Dataset } from "../../adapters/dicom-net/dcmjs-dimse.ts";
import type { ArrivingInstance, DicomReceiver, ReceiveOutcome, ReceiverSession } from "../../app/receive-dicom.ts";
import { RAYVAULT_IMPLEMENTATION_CLASS_UID, RAYVAULT_IMPLEMENTATION_VERSION } from "../../core/dicom/write-dicom.ts";

const VERIFICATION = "1.2.840.10008.1.1";

/** Transfer syntaxes taken as they come: native, deflated, and the encapsulated image and video codecs. */
export const ACCEPTED_TRANSFER_SYNTAXES: readonly string[] = [
  "1.2.840.10008.1.2.1", "1.2.840.10008.1.2", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99",
  "1.2.840.10008.1.2.4.50", "1.2.840.10008.1.2.4.51", "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70",
  "1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81", "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91",
  "1.2.840.10008.1.2.4.92", "1.2.840.10008.1.2.4.93", "1.2.840.10008.1.2.4.201", "1.2.840.10008.1.2.4.202",
  "1.2.840.10008.1.2.4.203", "1.2.840.10008.1.2.4.110", "1.2.840.10008.1.2.4.111", "1.2.840.10008.1.2.4.112",
  "1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.100", "1.2.840.10008.1.2.4.101", "1.2.840.10008.1.2.4.102",
  "1.2.840.10008.1.2.4.103", "1.2.840.10008.1.2.4.104", "1.2.840.10008.1.2.4.105", "1.2.840.10008.1.2.4.106",
  "1.2.840.10008.1.2.4.107", "1.2.840.10008.1.2.4.108",
];

/** The Storage SOP classes dcmjs-dimse knows (PS3.4 Annex B), plus the 1.2.840.10008.5.1.4.1.1.* family. */
function isStorageClass(uid: string, known: ReadonlySet<string>): boolean {
  return known.has(uid) || /^1\.2\.840\.10008\.5\.1\.4\.1\.1\.[0-9.]+$/.test(uid);
}

/** The receiver the listener speaks for (app/receive-dicom's DicomReceiver, or any with its shape). */
export type StoreScpHandlers = Pick<DicomReceiver, "associate">;

export interface StoreScpOptions {
  readonly host: string;
  readonly port: number;
  /** DICOM TLS (PS3.15 B.1): our key and certificate; `ca` + `requireClientCert` to check the caller's. */
  readonly tls?: { readonly key: string; readonly cert: string; readonly ca?: string; readonly requireClientCert: boolean };
  /** Our maximum PDU length (default 16 KiB, as dcmtk's). */
  readonly maxPdu?: number;
}

export interface RunningScp {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Hands the P-DATA fragments of one C-STORE data set to the instance the receiver began for it, as they
 * arrive. The library gives each as a view of a PDU it no longer uses: passed on as it is, not copied.
 */
function forwarder(instance: ArrivingInstance | undefined): Writable {
  return new Writable({
    highWaterMark: 64 * 1024 * 1024,
    write(chunk: Buffer, _enc, cb) {
      instance?.add(chunk);
      cb();
    },
  });
}

interface ContextLike {
  getAbstractSyntaxUid(): string;
  getTransferSyntaxUids(): string[];
  getAcceptedTransferSyntaxUid(): string | undefined;
  setResult(result: number, ts?: string): void;
}

export async function startStoreScp(options: StoreScpOptions, handlers: StoreScpHandlers): Promise<RunningScp> {
  dimse.Implementation.setImplementationClassUid(RAYVAULT_IMPLEMENTATION_CLASS_UID);
  dimse.Implementation.setImplementationVersion(RAYVAULT_IMPLEMENTATION_VERSION);
  const maxPdu = options.maxPdu ?? 16384;
  dimse.Implementation.setMaxPduLength(maxPdu);
  const { PresentationContextResult: PCR, RejectResult, RejectSource, RejectReason } = dimse.constants;
  const storage = new Set(Object.values(dimse.constants.StorageClass as Record<string, string>));
  const accepted = new Set(ACCEPTED_TRANSFER_SYNTAXES);
  /** The arriving instance each C-STORE's data set (as the library hands it over) was added to. */
  const arrivals = new WeakMap<Writable | Dataset, ArrivingInstance>();

  class RayvaultScp extends dimse.Scp {
    private session: ReceiverSession | undefined;
    private ended = false;
    private readonly pending = new Set<Promise<unknown>>();

    constructor(socket: Socket, opts: Record<string, unknown>) {
      super(socket, opts);
      this.on("close", () => this.finish(false));
    }

    private finish(released: boolean): void {
      if (this.ended || !this.session) return;
      this.ended = true;
      const session = this.session;
      void Promise.allSettled([...this.pending]).then(() => session.end(released));
    }

    override associationRequested(association: DimseAssociation): void {
      const calling = association.getCallingAeTitle().trim();
      const called = association.getCalledAeTitle().trim();
      handlers.associate(calling, called).then(
        (answer) => {
          if ("refused" in answer) {
            this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, answer.refused === "calling-ae" ? RejectReason.CallingAeNotRecognized : RejectReason.CalledAeNotRecognized);
            return;
          }
          this.session = answer.session;
          // What we can receive (the library would echo the caller's own maximum, whatever ours is). Not
          // more than the caller's either: measured, dcmjs-dimse takes 128 KiB PDUs apart more slowly
          // than 16 KiB ones (41 against 53 CT slices/s).
          association.setMaxPduLength(Math.min(maxPdu, association.getMaxPduLength() || maxPdu));
          for (const { context } of association.getPresentationContexts() as Array<{ context: ContextLike }>) {
            const sop = context.getAbstractSyntaxUid();
            if (sop !== VERIFICATION && !isStorageClass(sop, storage)) {
              context.setResult(PCR.RejectAbstractSyntaxNotSupported);
              continue;
            }
            const ts = context.getTransferSyntaxUids().find((t) => accepted.has(t));
            if (ts) context.setResult(PCR.Accept, ts);
            else context.setResult(PCR.RejectTransferSyntaxesNotSupported);
          }
          this.sendAssociationAccept();
        },
        () => this.sendAssociationReject(RejectResult.Transient, RejectSource.ServiceProviderAcse, RejectReason.TemporaryCongestion),
      );
    }

    override associationReleaseRequested(): void {
      this.sendAssociationReleaseResponse();
      this.finish(true);
    }

    override cEchoRequest(request: requests.CEchoRequest, callback: (r: responses.CEchoResponse) => void): void {
      const response = encodeOwnCommand(dimse.responses.CEchoResponse.fromRequest(request));
      response.setStatus(dimse.constants.Status.Success);
      callback(response);
    }

    override createStoreWritableStream(context: ContextLike, request: requests.CStoreRequest): Writable {
      // The command came first: our file meta is built now and each fragment is hashed as it arrives.
      const ts = context.getAcceptedTransferSyntaxUid();
      const instance = this.session && ts ? this.session.begin({ sopClassUid: request.getAffectedSopClassUid(), sopInstanceUid: request.getAffectedSopInstanceUid(), transferSyntaxUid: ts }) : undefined;
      const w = forwarder(instance);
      if (instance) arrivals.set(w, instance);
      return w;
    }

    override createDatasetFromStoreWritableStream(writable: Writable, context: ContextLike, callback: (dataset: Dataset) => void): void {
      const ds = new dimse.Dataset({}, context.getAcceptedTransferSyntaxUid() ?? "");
      const instance = arrivals.get(writable);
      if (instance) arrivals.set(ds, instance);
      callback(ds);
    }

    override cStoreRequest(request: requests.CStoreRequest, callback: (r: responses.CStoreResponse) => void): void {
      const response = encodeOwnCommand(dimse.responses.CStoreResponse.fromRequest(request));
      const dataset = request.getDataset();
      const instance = dataset ? arrivals.get(dataset) : undefined;
      const session = this.session;
      const answer = (o: ReceiveOutcome): void => {
        response.setStatus(o.status);
        if (o.comment) response.setErrorComment(o.comment.slice(0, 64));
        callback(response);
      };
      if (!session || !instance) {
        answer({ status: 0xc000, comment: "no data set received" });
        return;
      }
      const p = session.store(instance).then(answer, () => answer({ status: 0xa700, comment: "not stored: internal error" }));
      this.pending.add(p);
      void p.finally(() => this.pending.delete(p));
    }

    override abort(): void {
      this.finish(false);
    }
  }

  const onConnection = (socket: Socket): void => {
    socket.setNoDelay(true);
    const scp = new RayvaultScp(socket, { associationTimeout: 30_000, pduTimeout: 60_000, connectTimeout: 10_000 });
    scp.on("networkError", () => socket.destroy());
  };
  const server: NetServer = options.tls
    ? createTlsServer({ key: options.tls.key, cert: options.tls.cert, ...(options.tls.ca ? { ca: options.tls.ca } : {}), requestCert: options.tls.requireClientCert, rejectUnauthorized: options.tls.requireClientCert, minVersion: "TLSv1.2" }, onConnection)
    : createTcpServer(onConnection);
  const sockets = new Set<Socket>();
  server.on(options.tls ? "secureConnection" : "connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

interface DimseAssociation {
  setMaxPduLength(length: number): void;
  getMaxPduLength(): number;
  getCallingAeTitle(): string;
  getCalledAeTitle(): string;
  getPresentationContexts(): unknown[];
}
