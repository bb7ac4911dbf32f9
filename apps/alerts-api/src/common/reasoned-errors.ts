import { ConflictException, NotFoundException } from '@nestjs/common';

// Error answers that carry a `reason` code next to the message (Nest's JSON shape otherwise): clients
// branch on the code — offer a reload, re-read an alert, say it in the screen's language — instead of
// on the message's English, which may change.

export function conflictWithReason(message: string, reason: string): ConflictException {
  return new ConflictException({ statusCode: 409, error: 'Conflict', message, reason });
}

export function notFoundWithReason(message: string, reason: string): NotFoundException {
  return new NotFoundException({ statusCode: 404, error: 'Not Found', message, reason });
}
