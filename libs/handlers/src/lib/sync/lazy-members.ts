/** How many devices' lazy-loading memory is kept; the oldest is forgotten first. */
const MAX_DEVICES = 10_000;

/**
 * Which member events each device has already received, per room, so lazy-loading syncs can skip
 * them (protocol.md §6.5). Memory only: after a restart members are sent once more, which
 * clients tolerate (they are redundant, not wrong).
 */
export class LazyMemberCache {
  /** device key → room → member user id → member event id sent. */
  private readonly devices = new Map<string, Map<string, Map<string, string>>>();

  /** True if this device already has exactly this member event for the room. */
  has(device: string, roomId: string, userId: string, eventId: string): boolean {
    return this.devices.get(device)?.get(roomId)?.get(userId) === eventId;
  }

  record(device: string, sent: ReadonlyArray<{ roomId: string; userId: string; eventId: string }>) {
    if (sent.length === 0) return;
    let rooms = this.devices.get(device);
    if (rooms) this.devices.delete(device);
    else rooms = new Map();
    // Re-inserted so that Map order is least-recently-used first.
    this.devices.set(device, rooms);
    for (const { roomId, userId, eventId } of sent) {
      let members = rooms.get(roomId);
      if (!members) {
        members = new Map();
        rooms.set(roomId, members);
      }
      members.set(userId, eventId);
    }
    while (this.devices.size > MAX_DEVICES) {
      const oldest = this.devices.keys().next().value as string;
      this.devices.delete(oldest);
    }
  }

  /** An initial sync starts the device over. */
  reset(device: string): void {
    this.devices.delete(device);
  }
}
