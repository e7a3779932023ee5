/**
 * @module ports/mail-transport
 * Hands a finished message (its exact bytes) to the mail relay over a connection that must be
 * encrypted: no TLS, no send.
 */
export interface MailTransport {
  /**
   * Resolves with the relay's response once it accepted the message; throws otherwise (a RayvaultError
   * whose `permanent` says the relay refused for good, 5xx). `envelopeId` asks the relay for delivery
   * status notifications (RFC 3461: failure and delay, headers only) that name it.
   */
  send(envelope: { readonly from: string; readonly to: string; readonly envelopeId?: string }, raw: AsyncIterable<Uint8Array>): Promise<{ readonly response: string }>;
}
