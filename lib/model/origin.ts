// Where a value was written, so later layers can point the user at it.
export interface Origin {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}
