/**
 * @module ports/mail-transport
 * Hands a finished message (its exact bytes) to the mail relay over a connection that must be
 * encrypted: no TLS, no send.
 */
export interface MailTransport {
  /** Resolves with the relay's response once it accepted the message; throws otherwise. */
  send(envelope: { readonly from: string; readonly to: string }, raw: AsyncIterable<Uint8Array>): Promise<{ readonly response: string }>;
}
