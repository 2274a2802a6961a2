/**
 * The parts of `smpp` 0.5.1 (farhadi/node-smpp, CJS, no published types) this project uses:
 * src/sms/smpp-provider.ts (client) and test/helpers/smpp-test-server.ts (server).
 */
declare module 'smpp' {
  import type { EventEmitter } from 'node:events';
  import type { Server as NetServer, Socket } from 'node:net';
  import type { ConnectionOptions } from 'node:tls';

  namespace smpp {
    /** Decoded `short_message` / `message_payload` (the library's message filter). */
    interface MessageField {
      message: string | Buffer;
      udh?: Buffer[];
    }

    /** PDU fields by their SMPP 3.4 names (§4), plus TLVs by name (§5.3). */
    type PduFields = Record<string, unknown>;

    class PDU {
      constructor(command: string, options?: PduFields);
      command: string;
      command_id: number;
      command_status: number;
      sequence_number: number;
      [field: string]: unknown;
      isResponse(): boolean;
      response(options?: PduFields): PDU;
    }

    type ResponseCallback = (pdu: PDU) => void;
    type Command = (
      options?: PduFields,
      responseCallback?: ResponseCallback,
      sendCallback?: ResponseCallback,
    ) => boolean;

    interface Session extends EventEmitter {
      readonly socket: Socket;
      server?: Server;
      send(pdu: PDU, responseCallback?: ResponseCallback, sendCallback?: ResponseCallback): boolean;
      close(callback?: () => void): void;
      destroy(callback?: () => void): void;
      pause(): void;
      resume(): void;
      bind_transceiver: Command;
      submit_sm: Command;
      deliver_sm: Command;
      enquire_link: Command;
      unbind: Command;
      generic_nack: Command;
    }

    interface ConnectOptions extends ConnectionOptions {
      url?: string;
      host?: string;
      port?: number;
      /** TLS (the library's `ssmpp://`). */
      tls?: boolean;
      auto_enquire_link_period?: number;
    }

    interface Server extends NetServer {
      readonly sessions: Session[];
    }

    interface ServerOptions {
      key?: string | Buffer;
      cert?: string | Buffer;
    }

    function connect(options: ConnectOptions, listener?: () => void): Session;
    function createServer(options: ServerOptions, listener?: (session: Session) => void): Server;

    /** SMPP 3.4 §5.1.3 command_status values by name (ESME_ROK, ESME_RTHROTTLED, ...). */
    const errors: Readonly<Record<string, number>>;
    const ESME_ROK: number;
  }

  export = smpp;
}
