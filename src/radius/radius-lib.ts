import radius from 'radius';

/**
 * The parts of the `radius` 1.1.4 package we use, typed here because @types/radius 0.0.33 lacks
 * `load_dictionaries` and the id/name lookups (they exist at runtime, lib/radius.js).
 * Always call through the `radius` object: its functions use `this` (notes/dependencies.md §5).
 */
export interface RadiusLib {
  add_dictionary(path: string): void;
  load_dictionaries(): void;
  unload_dictionaries(): void;
  attr_name_to_id(name: string, vendorId?: number): string | undefined;
  attr_id_to_name(id: number | string, vendorId?: number): string | undefined;
  vendor_name_to_id(name: string): string | undefined;
}

export const radiusLib: RadiusLib = radius as unknown as RadiusLib;
