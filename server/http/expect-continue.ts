/**
 * `Expect: 100-continue` (RFC 9110 §10.1.1): a device about to send gigabytes
 * asks first. Node answers 100 at once by default, before authentication or
 * any header has been checked; here the 100 goes out only when a handler
 * starts reading the body, so an upload that will be refused (401, 403, 400,
 * 413…) is refused before a byte of it is sent.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

export function continueWhenBodyIsRead(listener: RequestListener): RequestListener {
  return (req, res) => {
    // _read is where a readable stream starts pulling from its source: the
    // first time a consumer wants the body.
    const readable = req as IncomingMessage & { _read(size: number): void };
    const read = readable._read;
    let continued = false;
    readable._read = function (this: IncomingMessage, size: number) {
      if (!continued) {
        continued = true;
        if (!res.headersSent) res.writeContinue();
      }
      return read.call(this, size);
    };
    listener(req, res);
  };
}
