// tasks/wakeup.ts — "a task may run now": rung by whoever queues a task or lets a held one go (the actions, the fault
// rules), answered by the scheduler. Built before all of them, so that neither the rules nor the scheduler holds the other.
export class Wakeup {
  private readonly answers = new Set<() => void>();

  ring(): void {
    for (const answer of this.answers) answer();
  }

  /** `answer` runs at every ring until the returned function is called. */
  listen(answer: () => void): () => void {
    this.answers.add(answer);
    return () => void this.answers.delete(answer);
  }
}
