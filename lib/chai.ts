// The `kubehop/chai` entry: the chai plugin apart from the library, because it adds its assertions
// to chai's global `Chai.Assertion` type, which only a project that uses chai has.
export { kubehopChai } from "./assert/chai.ts";
