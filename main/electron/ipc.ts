import { z } from 'zod';
import {
  DOCUMENT_DATA_CHANNEL,
  err,
  methodChannel,
  methods,
  type DocentApi,
  type MethodName,
  type MethodOutput,
  type Result,
} from '../../preload/contract/index.js';
import { isTrustedSender, type SenderInfo } from './security.js';
import { errorMessage } from '../core/errors.js';

/**
 * One IPC handler per contract method. A mapped type over MethodName: a method added to the
 * contract and not wired here is a compile error.
 */
export type IpcTable = { [M in MethodName]: (input: unknown) => Promise<Result<MethodOutput<M>>> };

/** Validates the input with the method's contract schema, then calls the core. */
export async function callValidated<M extends MethodName>(api: DocentApi, method: M, input: unknown): Promise<Result<MethodOutput<M>>> {
  const parsed = methods[method].input.safeParse(input ?? {});
  if (!parsed.success) return err('INVALID_INPUT', z.prettifyError(parsed.error));
  try {
    return await (api[method] as (input: unknown) => Promise<Result<MethodOutput<M>>>)(parsed.data);
  } catch (error) {
    return err('INTERNAL', errorMessage(error));
  }
}

export function createIpcTable(api: DocentApi): IpcTable {
  const door =
    <M extends MethodName>(method: M) =>
    (input: unknown) =>
      callValidated(api, method, input);
  return {
    ingest: door('ingest'),
    cancelIngest: door('cancelIngest'),
    listDocuments: door('listDocuments'),
    removeDocument: door('removeDocument'),
    search: door('search'),
    libraryInfo: door('libraryInfo'),
    ask: door('ask'),
    checkAsk: door('checkAsk'),
    stopAnswer: door('stopAnswer'),
    listConversations: door('listConversations'),
    getConversation: door('getConversation'),
    renameConversation: door('renameConversation'),
    deleteConversation: door('deleteConversation'),
    exportConversation: door('exportConversation'),
    loadChatModel: door('loadChatModel'),
    setEmbeddingModel: door('setEmbeddingModel'),
    modelStatus: door('modelStatus'),
  };
}

export type IpcRoute = (input: unknown) => Promise<unknown>;

/** Every channel main answers: `docent:<method>` for each contract method, and the document bytes. */
export function ipcRoutes(table: IpcTable, documentData: (input: unknown) => Promise<Result<Uint8Array>>): Map<string, IpcRoute> {
  const routes = new Map<string, IpcRoute>();
  for (const method of Object.keys(table) as MethodName[]) routes.set(methodChannel(method), table[method]);
  routes.set(DOCUMENT_DATA_CHANNEL, documentData);
  return routes;
}

export class UntrustedSenderError extends Error {
  constructor(channel: string) {
    super(`Refused ${channel}: the request did not come from Docent's window.`);
  }
}

/** What `ipcMain.handle` runs for a channel: the sender is checked before anything else. */
export function guardedHandler<E>(channel: string, route: IpcRoute, sender: (event: E) => SenderInfo) {
  return (event: E, input: unknown): Promise<unknown> => {
    if (!isTrustedSender(sender(event))) return Promise.reject(new UntrustedSenderError(channel));
    return route(input);
  };
}
