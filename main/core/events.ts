import type { DocentEvents, EventListener, EventName, EventPayload } from '../../preload/contract/index.js';

/** A typed event hub for the contract's events; each door forwards these its own way. */
export class EventHub implements DocentEvents {
  private readonly listeners = new Map<EventName, Set<(payload: never) => void>>();

  on<E extends EventName>(event: E, listener: EventListener<E>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (payload: never) => void);
    return () => set.delete(listener as (payload: never) => void);
  }

  emit<E extends EventName>(event: E, payload: EventPayload<E>): void {
    for (const listener of this.listeners.get(event) ?? []) (listener as EventListener<E>)(payload);
  }
}
