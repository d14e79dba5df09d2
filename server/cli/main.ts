/** The `custos` command. Exit codes: 0 ok, 1 verification failed, 2 usage error, 3 failure. */
import { isAppError } from '../core/errors';
import { packageVersion } from '../package-root';
import { EXIT, UsageError } from './cli-error';
import { serveCommand } from './commands/serve';
import { verifyCommand } from './commands/verify';
import { tokenCommand } from './commands/token';
import { logCommand } from './commands/log';
import { deployCommand } from './commands/deploy';
import { rederiveCommand } from './commands/rederive';
import { deviceCommand } from './commands/device';
import { notaryCommand } from './commands/notary';
import { auditCommand } from './commands/audit';
import { reviewCommand } from './commands/review';

const HELP = `Usage: custos <command> [options]

Commands:
  serve    run the evidence service (embedded chain, IPFS and database)
  verify   verify a file and its proof bundle against the chain, without the server
  token    mint bearer tokens (custos token create --role R --name N)
  device   register or revoke a recorder's signing key (custos device register --id ID --public-key FILE)
  notary   notary office: cosign anchored heads and certify evidence with the office's key
  review   take a review stage's decision, signed with the account's key (custos review decide)
  audit    run an integrity audit (custos audit run) or check the whole log against the chain as an outsider (custos audit verify-log)
  log      show the log head (custos log head)
  deploy   deploy the anchoring contract to an EVM chain
  rederive re-run an evidence's recorded transcodes and check they reproduce its renditions

Run custos <command> --help for a command's options.`;

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  serve: serveCommand,
  verify: verifyCommand,
  token: tokenCommand,
  log: logCommand,
  deploy: deployCommand,
  rederive: rederiveCommand,
  device: deviceCommand,
  notary: notaryCommand,
  audit: auditCommand,
  review: reviewCommand,
};

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version') {
    console.log(packageVersion());
    return EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    console.error(`custos: unknown command "${name}" (try custos --help)`);
    return EXIT.usage;
  }
  try {
    return await command(rest);
  } catch (error) {
    // One readable line; details belong to --help or the service log.
    if (error instanceof UsageError) {
      console.error(`custos ${name}: ${error.message}`);
      return EXIT.usage;
    }
    if (isAppError(error)) {
      console.error(`custos ${name}: ${error.code}: ${error.message}`);
      return EXIT.failure;
    }
    console.error(`custos ${name}: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failure;
  }
}

