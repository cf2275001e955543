import type { InstanceIdLookup, InstanceNameLookup } from './multi-writer-token';

/** A fixed instance map for token specs, standing in for libs/storage's InstanceIdStore. */
const NAMES = new Map([
  [1, 'main'],
  [2, 'persister1'],
  [3, 'persister2'],
]);
const IDS = new Map([...NAMES].map(([id, name]) => [name, id]));

export const nameFor: InstanceNameLookup = (id) => NAMES.get(id);

export const idFor: InstanceIdLookup = (name) => {
  const id = IDS.get(name);
  if (id === undefined) throw new Error(`no instance id for ${name}`);
  return id;
};

export const WRITERS = [...IDS.keys()];
