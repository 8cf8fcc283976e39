// ftpbridge: FTP for the web browser. Loads the wasm module (top-level await), then
// exports the FtpClient API and registers <ftp-browser>.
//
//   import { FtpClient, FtpError } from 'ftpbridge';
//   const client = await FtpClient.connect({ relay: 'wss://relay.example.com/ws', host: 'ftp.example.com' });

import { FtpClient, FtpErrorClass } from './pkg/ftpbridge.js';
import { FtpBrowser, defineFtpBrowser, loadFtpBridge } from './ftp-browser.js';

await loadFtpBridge();

/** The class of every error the client throws (`code`, `replyCode`, `message`). */
export const FtpError = FtpErrorClass();

defineFtpBrowser();

export { FtpClient, FtpErrorClass, FtpBrowser, defineFtpBrowser, loadFtpBridge };
export { describeError } from './ftp-util.js';
