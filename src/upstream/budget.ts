/**
 * The share of the gateway's budget (its `nas_timeout`) kept to build and send our answer after an
 * upstream gave up: 10 %, at least 100 ms and at most 1 s. The rest is what the upstream may use.
 */
export function answerMargin(budgetMs: number): number {
  return Math.min(1000, Math.max(100, budgetMs / 10));
}
