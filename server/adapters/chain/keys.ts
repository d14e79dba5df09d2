/**
 * Private keys and addresses, from files, flags and configuration: one set of
 * checks. A key's value is never echoed in an error, even a mistyped one.
 */
import { readFileSync } from 'node:fs';
import { getAddress, isAddress, SigningKey } from 'ethers';
import { AppError } from '../../core/errors';

/** A 32-byte hex private key, with or without 0x, as 0x-prefixed lowercase hex. */
export function parsePrivateKey(text: string, what: string): string {
  const hex = text.trim().replace(/^0x/, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) throw new AppError('CONFIG_INVALID', `${what} does not hold a 32-byte hex private key`);
  return `0x${hex.toLowerCase()}`;
}

export function readPrivateKeyFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new AppError('CONFIG_INVALID', `cannot read the key file ${path}: ${(error as NodeJS.ErrnoException).code ?? 'unreadable'}`, { details: { path } });
  }
  return parsePrivateKey(text, path);
}

export function signingKeyOf(key: string, what: string): SigningKey {
  try {
    return new SigningKey(parsePrivateKey(key, what));
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError('CONFIG_INVALID', `${what} is not a valid secp256k1 private key`);
  }
}

/** A checksummed address; a wrong checksum is refused, not corrected. */
export function parseAddress(value: string, field: string): string {
  if (!isAddress(value)) throw new AppError('CONFIG_INVALID', `${field} is not an address`, { details: { field, value } });
  return getAddress(value);
}
