import { Injectable } from '@nestjs/common';

/** Wall-clock time, injectable so tests can move it. */
@Injectable()
export class Clock {
  now(): number {
    return Date.now();
  }
}
