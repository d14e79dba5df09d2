/** EIP-191 personal_sign for notary statements: what any Ethereum wallet (or `custos notary certify`) produces. */
import { Wallet, verifyMessage } from 'ethers';
import { statementBytes, type NotarizationStatement, type RecoverSigner } from '../../core/notarization';

export const recoverStatementSigner: RecoverSigner = (message, signature) => {
  try {
    return verifyMessage(message, signature).toLowerCase();
  } catch {
    return null; // malformed signature: no signer
  }
};

export function signStatement(privateKey: string, statement: NotarizationStatement): Promise<string> {
  return new Wallet(privateKey).signMessage(statementBytes(statement));
}
