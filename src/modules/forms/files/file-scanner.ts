import { connect } from 'node:net';

/** What a scanner found: nothing, a virus, or it could not tell (the person is asked to try again). */
export type ScanResult = 'clean' | 'infected' | 'failed';

/** Forms' port for virus scanning: every uploaded file goes through one before it is kept. */
export type FileScanner = { scan(bytes: Buffer): Promise<ScanResult> };

/** The anti-virus industry's test file (the standard's own 68 characters, at the start of the file). */
const EICAR = 'X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*';

/**
 * The default when no scanner is configured: refuses only the EICAR test file, so the whole
 * path (the error message, nothing kept) can be tried. It finds no real virus.
 */
export const eicarOnlyScanner: FileScanner = {
  async scan(bytes) {
    return bytes.subarray(0, 128).toString('latin1').includes(EICAR) ? 'infected' : 'clean';
  },
};

const CHUNK_BYTES = 64 * 1024;

/**
 * clamd over TCP: `zINSTREAM`, the file as length-prefixed chunks, a zero length, then one reply
 * ("stream: OK" or "stream: <name> FOUND"). Anything else, a refused connection or no reply in
 * time, is a failure: the file is not accepted unscanned.
 */
export function createClamdScanner(options: { address: string; timeoutMs?: number }): FileScanner {
  const separator = options.address.lastIndexOf(':');
  const host = options.address.slice(0, separator).replace(/^\[|\]$/g, '');
  const port = Number(options.address.slice(separator + 1));
  return {
    scan: (bytes) =>
      new Promise<ScanResult>((resolve) => {
        const socket = connect({ host, port });
        const replies: Buffer[] = [];
        const finish = (result: ScanResult) => {
          socket.destroy();
          resolve(result);
        };
        socket.setTimeout(options.timeoutMs ?? 30_000, () => finish('failed'));
        socket.on('error', () => finish('failed'));
        socket.on('data', (chunk) => replies.push(chunk));
        socket.on('end', () => {
          const reply = Buffer.concat(replies).toString('utf8').replace(/\0/g, '').trim();
          finish(/^stream: OK$/.test(reply) ? 'clean' : / FOUND$/.test(reply) ? 'infected' : 'failed');
        });
        socket.on('connect', () => {
          socket.write('zINSTREAM\0');
          for (let offset = 0; offset < bytes.length; offset += CHUNK_BYTES) {
            const chunk = bytes.subarray(offset, offset + CHUNK_BYTES);
            const length = Buffer.alloc(4);
            length.writeUInt32BE(chunk.length);
            socket.write(length);
            socket.write(chunk);
          }
          socket.write(Buffer.alloc(4));
        });
      }),
  };
}

/** The scanner the configuration names: clamd at FORMS_CLAMD_ADDRESS, else the EICAR-only default. */
export function fileScannerFor(config: { FORMS_CLAMD_ADDRESS: string }): FileScanner {
  return config.FORMS_CLAMD_ADDRESS ? createClamdScanner({ address: config.FORMS_CLAMD_ADDRESS }) : eicarOnlyScanner;
}
