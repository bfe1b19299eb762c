import { twice } from './lib/twice.mjs';
export const handler = async (e) => twice(e.x);