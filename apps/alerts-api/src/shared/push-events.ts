import type { ScopedResource } from './principal';

export type PushEventType = 'alert.created' | 'alert.updated' | 'camera.status';

/** Something to push to connected clients in scope (and to webhooks / MQTT). */
export interface PushEvent {
  type: PushEventType;
  scope: ScopedResource;
  /** The alert (as the REST API returns it) or the camera status. */
  data: Record<string, unknown>;
  /** Epoch ms the frame behind it was captured; for the capture → WebSocket latency metric. */
  capturedAt?: number;
}

/** Fans events out to every API instance's clients (Redis pub/sub) and the outbound channels. */
export abstract class EventPublisher {
  abstract publish(event: PushEvent): Promise<void>;
}
